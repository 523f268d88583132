//! Every string the console shows, in Chinese and English, in ONE table:
//! key → (zh, en). Pages ask [`Lang::t`] for a key; values of the core's
//! vocabulary are keyed `vocab.<code>`, roles `role.<role>`, and rules
//! `rule.<code>` (the English of a rule is `RuleId::describe`, so the
//! table holds only its Chinese). Placeholders are `{0}`, `{1}`…
//!
//! The language follows the `lang` cookie (set by the switch in the page
//! header) or else the browser's `Accept-Language`.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::{HeaderMap, header};

/// The console's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// The language cookie.
pub const LANG_COOKIE: &str = "lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn html_code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The request's language: the `lang` cookie, else the preferred of
    /// Chinese and English in `Accept-Language`, else English.
    pub fn of(headers: &HeaderMap) -> Lang {
        if let Some(lang) =
            super::session::cookie(headers, LANG_COOKIE).and_then(|code| Lang::parse(&code))
        {
            return lang;
        }
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        Lang::from_accept_language(accept)
    }

    pub fn from_accept_language(accept: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = parts
                .find_map(|part| part.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = if tag == "zh" || tag.starts_with("zh-") {
                Lang::Zh
            } else if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    /// The text of `key`, if the table has it.
    pub fn lookup(self, key: &str) -> Option<&'static str> {
        static INDEX: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> =
            OnceLock::new();
        let index = INDEX.get_or_init(|| {
            MESSAGES
                .iter()
                .map(|(key, zh, en)| (*key, (*zh, *en)))
                .collect()
        });
        index.get(key).map(|(zh, en)| match self {
            Lang::Zh => *zh,
            Lang::En => *en,
        })
    }

    /// The text of `key`. A key missing from the table (a test catches
    /// every literal one) shows as `??`.
    pub fn t(self, key: &str) -> &'static str {
        self.lookup(key).unwrap_or_else(|| {
            tracing::debug!(key, "console message missing");
            "??"
        })
    }

    /// The text of `key` with `{0}`, `{1}`… replaced by `args`.
    pub fn tf(self, key: &str, args: &[&str]) -> String {
        let mut text = self.t(key).to_owned();
        for (index, arg) in args.iter().enumerate() {
            text = text.replace(&format!("{{{index}}}"), arg);
        }
        text
    }
}

/// key, Chinese, English. Rule entries (`rule.<code>`) carry only their
/// Chinese: their English is `RuleId::describe`.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("lang.name", "中文", "English"),
    ("nav.today", "今日待办", "Today"),
    ("nav.coverage", "巡逻覆盖", "Patrol coverage"),
    ("nav.callbacks", "回访", "Callbacks"),
    ("nav.monthly", "月报", "Monthly report"),
    ("nav.duty", "值班记录", "Duty log"),
    ("nav.new_repair", "新建维修单", "New repair sheet"),
    ("nav.new_complaint", "新建投诉", "New complaint"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.accounts", "用户与设备", "Users and devices"),
    ("account.title", "用户与设备", "Users and devices"),
    ("account.id", "登录名", "User id"),
    ("account.name", "姓名", "Name"),
    ("account.role", "角色", "Role"),
    ("account.estates", "小区", "Estates"),
    ("account.password", "控制台密码", "Console password"),
    ("account.password_set", "已设置", "Set"),
    ("account.password_none", "未设置", "Not set"),
    ("account.devices", "设备", "Devices"),
    ("account.no_devices", "尚无设备。", "No devices yet."),
    ("account.last_sync", "最近同步", "Last sync"),
    ("account.never", "从未", "Never"),
    (
        "account.view_only",
        "仅供查看：只有管理员可以修改用户和设备。",
        "View only: only an admin changes users and devices.",
    ),
    ("account.add", "添加用户", "Add a user"),
    ("account.add_submit", "添加", "Add"),
    ("account.change", "修改用户", "Change this user"),
    ("account.change_submit", "保存", "Save"),
    (
        "account.own_role",
        "不能修改自己的角色，请另一位管理员修改。",
        "You cannot change your own role; ask another admin.",
    ),
    (
        "account.set_password",
        "设置控制台密码",
        "Set the console password",
    ),
    ("account.new_password", "新密码", "New password"),
    ("account.again", "再输入一次", "Again"),
    ("account.password_submit", "设置密码", "Set password"),
    (
        "account.passwords_differ",
        "两次输入的密码不一致。",
        "The two passwords differ.",
    ),
    ("account.device_name", "设备名称", "Device name"),
    ("account.device_id", "设备编号", "Device id"),
    ("account.issued", "发放时间", "Issued"),
    ("account.active", "使用中", "In use"),
    ("account.revoked_at", "已于 {0} 停用", "Revoked {0}"),
    ("account.revoke", "停用", "Revoke"),
    ("account.new_device", "登记一部手机", "Set up a phone"),
    (
        "account.new_device_hint",
        "生成一次性登记码：15 分钟内有效，只能使用一次。手机扫描二维码或输入登记码即可登记，令牌只保存在手机上。",
        "Makes a one-time code, valid for 15 minutes and usable once: the phone scans its QR code or types it to enroll, and its token stays on the phone.",
    ),
    ("account.code_submit", "生成登记码", "Make a code"),
    (
        "account.code_title",
        "{0} 的登记码",
        "Enrollment code for {0}",
    ),
    ("account.code_server", "服务器", "Server"),
    ("account.code_expires", "有效期至 {0}", "valid until {0}"),
    (
        "account.code_how",
        "用手机应用扫描二维码；或在手机上输入服务器地址和登记码。",
        "Scan the QR code with the phone app, or type the server and the code on the phone.",
    ),
    (
        "account.code_cli",
        "用命令行登记（stairwell field）：",
        "On a field command line:",
    ),
    (
        "account.code_no_server",
        "无法确定服务器地址：请通过服务器的公开地址打开控制台后重试。",
        "The server's address is not known: open the console at the server's public address and try again.",
    ),
    ("account.back", "返回", "Back"),
    ("account.log", "账号操作记录", "Account log"),
    ("account.log_when", "时间", "When"),
    ("account.log_who", "操作人", "Who"),
    ("account.log_what", "操作", "What"),
    ("account.log_target", "对象", "To"),
    ("account.log_detail", "内容", "Detail"),
    ("account.actor_cli", "服务器命令行", "server command line"),
    ("account.detail.before", "修改前", "before"),
    ("account.detail.user", "用户", "user"),
    ("account.detail.time_zone", "时区", "time zone"),
    ("account.done.added", "用户已添加。", "User added."),
    ("account.done.changed", "已保存。", "Saved."),
    (
        "account.done.password",
        "密码已设置，该用户已登录的控制台会话已结束。",
        "Password set; their open console sessions were ended.",
    ),
    (
        "account.done.revoked",
        "设备已停用，其令牌立即失效。",
        "Device revoked: its token stopped working at once.",
    ),
    ("account.action.estate.add", "添加小区", "Estate added"),
    ("account.action.user.add", "添加用户", "User added"),
    ("account.action.user.change", "修改用户", "User changed"),
    (
        "account.action.user.password",
        "设置控制台密码",
        "Console password set",
    ),
    (
        "account.action.device.issue",
        "发放设备令牌",
        "Device token issued",
    ),
    (
        "account.action.device.code",
        "生成登记码",
        "Enrollment code made",
    ),
    ("account.action.device.revoke", "停用设备", "Device revoked"),
    (
        "account.refused.bad_id",
        "登录名须为 1 到 64 个字母、数字、“.”、“_”或“-”。",
        "A user id is 1 to 64 letters, digits, '.', '_' or '-'.",
    ),
    (
        "account.refused.no_name",
        "请填写姓名。",
        "A name is required.",
    ),
    (
        "account.refused.no_estate",
        "请至少选择一个小区。",
        "Choose at least one estate.",
    ),
    (
        "account.refused.unknown_time_zone",
        "未知的时区。",
        "Unknown time zone.",
    ),
    (
        "account.refused.unknown_user",
        "没有这个用户。",
        "No such user.",
    ),
    (
        "account.refused.unknown_device",
        "没有这个设备。",
        "No such device.",
    ),
    (
        "account.refused.taken",
        "该登录名已被使用。",
        "That id is taken.",
    ),
    (
        "account.refused.password_too_short",
        "密码至少需要 4 个字符。",
        "A password needs at least 4 characters.",
    ),
    (
        "account.refused.no_console",
        "巡逻员和技术员不登录控制台，无需密码。",
        "Patrol officers and technicians do not sign in to the console.",
    ),
    (
        "account.refused.not_admin",
        "只有管理员可以修改用户和设备。",
        "Only an admin changes users and devices.",
    ),
    (
        "account.refused.outside_estates",
        "管理员只能分配和修改自己负责的小区。",
        "An admin gives and changes only the estates they administer.",
    ),
    (
        "account.refused.own_role",
        "不能修改自己的角色，请另一位管理员修改。",
        "You cannot change your own role; ask another admin.",
    ),
    (
        "account.refused.estates_at_command_line",
        "小区需在服务器命令行添加。",
        "Estates are added at the server's command line.",
    ),
    (
        "live.on",
        "实时更新已开启：设备同步后本页自动刷新。",
        "Live: this page refreshes when a device syncs.",
    ),
    ("live.updating", "正在更新…", "Updating…"),
    ("live.updated", "已更新", "Updated"),
    (
        "login.title",
        "登录办公室控制台",
        "Sign in to the office console",
    ),
    ("login.user", "用户名", "User"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    (
        "login.failed",
        "用户名或密码错误。",
        "Wrong user or password.",
    ),
    (
        "login.hint",
        "仅限办公室、前台、主管和管理员账号。",
        "For office, front desk, supervisor and admin accounts.",
    ),
    ("error.not_found", "未找到", "Not found"),
    ("error.bad_request", "请求有误", "Bad request"),
    ("error.forbidden", "不允许", "Not allowed"),
    ("error.internal", "服务器出错", "The server failed"),
    (
        "error.csrf",
        "表单已过期或来源不明，请返回重试。",
        "This form has expired or did not come from this console; go back and try again.",
    ),
    (
        "error.missing_field",
        "缺少必填项",
        "A required field is missing",
    ),
    ("error.refused", "未能完成", "Refused"),
    ("filter.all", "全部", "All"),
    ("filter.apply", "筛选", "Apply"),
    ("filter.estate", "小区", "Estate"),
    ("filter.building", "楼栋", "Building"),
    ("filter.technician", "技术员", "Technician"),
    ("filter.urgency", "紧急程度", "Urgency"),
    ("col.due", "期限", "Due"),
    ("col.time_left", "剩余时间", "Time left"),
    ("col.rule", "依据规定", "Rule"),
    ("col.kind", "类型", "Kind"),
    ("col.what", "内容", "What"),
    ("col.where", "地点", "Where"),
    ("col.state", "状态", "State"),
    ("col.assignee", "负责人", "Assignee"),
    ("col.action", "操作", "Action"),
    ("col.field", "字段", "Field"),
    ("col.value", "值", "Value"),
    ("col.user", "用户", "User"),
    ("col.device", "设备", "Device"),
    ("col.device_time", "设备时间", "Device time"),
    ("col.received_time", "服务器接收时间", "Server received"),
    ("col.event", "事件", "Event"),
    ("col.change", "变更", "Change"),
    ("col.started", "开始", "Started"),
    ("col.route", "路线", "Route"),
    ("col.officer", "巡逻员", "Officer"),
    ("col.found", "发现时间", "Found"),
    ("col.done", "完成时间", "Done"),
    ("col.measure", "指标", "Measure"),
    ("col.count", "数量", "Count"),
    ("col.rate", "比率", "Rate"),
    ("col.target", "目标", "Target"),
    ("col.met", "是否达标", "Met"),
    ("col.channel", "渠道", "Channel"),
    ("col.total", "总数", "Total"),
    ("col.on_time", "及时", "On time"),
    ("col.late", "超时", "Late"),
    ("col.unhandled_late", "未处理且超时", "Unhandled, late"),
    ("col.pending", "进行中", "Pending"),
    ("today.title", "今日待办", "Today"),
    (
        "today.summary",
        "{0} 项待办，其中 {1} 项超时",
        "{0} open, {1} late",
    ),
    (
        "today.none",
        "没有符合条件的待办事项。",
        "Nothing open matches.",
    ),
    ("time.left", "剩余 {0}", "{0} left"),
    ("time.late_by", "已超时 {0}", "late by {0}"),
    ("dur.days", "{0}天", "{0} d"),
    ("dur.hours", "{0}小时", "{0} h"),
    ("dur.minutes", "{0}分钟", "{0} min"),
    ("action.dispatch", "派工", "Dispatch"),
    ("action.title", "可办理", "Actions"),
    ("action.quote", "报价", "Quote"),
    ("action.feasibility", "是否可修", "Feasibility"),
    (
        "action.feasible",
        "可修，按报价收费",
        "Feasible, at the fee quoted",
    ),
    ("action.not_feasible", "无法维修", "Not feasible"),
    ("action.fee_yuan", "费用（元）", "Fee (yuan)"),
    ("action.confirm_return", "确认交回", "Confirm the return"),
    (
        "action.confirm_return_hint",
        "维修工已交回维修单；确认后归档。",
        "The technician handed the sheet back; confirm it to file it.",
    ),
    ("action.call_back", "记录回访", "Record a callback"),
    (
        "action.in_person_signature",
        "上门回访须住户签名",
        "A callback in person needs the resident's signature",
    ),
    ("action.signature_image", "签名图片", "Signature image"),
    ("field.follow_up_by", "跟进期限", "Follow up by"),
    (
        "error.upload_too_big",
        "上传的表单超过 {0} MiB。",
        "The form with its images is over {0} MiB.",
    ),
    (
        "error.not_an_image",
        "上传的文件不是图片（PNG、JPEG、GIF 或 WebP）。",
        "The file uploaded is not an image (PNG, JPEG, GIF or WebP).",
    ),
    (
        "error.image_too_big",
        "图片有 {0} 字节，服务器最多接受 {1} 字节。",
        "The image is {0} bytes; the server accepts at most {1} bytes.",
    ),
    (
        "error.upload_quota",
        "待完成的上传已达上限，请稍后再试。",
        "Too many unfinished uploads; try again later.",
    ),
    ("section.intake", "登记", "Intake"),
    ("section.dispatch", "派工与报价", "Dispatch and quote"),
    ("section.on_site", "上门", "On site"),
    ("section.fee_lines", "收费明细", "Fees"),
    (
        "section.materials",
        "住户自备材料",
        "Materials the resident supplied",
    ),
    ("section.completion", "完工与交回", "Completion and return"),
    ("section.callbacks", "回访记录", "Callbacks"),
    ("section.notes", "备注", "Notes"),
    ("section.photos", "照片", "Photos"),
    ("section.four_clears", "四清", "The four clears"),
    ("section.dispatches", "派单", "Dispatches"),
    ("section.escalation", "上报", "Escalation"),
    ("section.answers", "答复", "Answers"),
    ("section.handlings", "处理", "Handling"),
    ("section.sign_off", "住户签认", "Resident's sign-off"),
    ("section.round", "巡逻", "Round"),
    ("section.route", "路线与签到", "Route and check-ins"),
    ("section.findings", "巡逻发现", "Findings"),
    ("section.checklist", "检查表", "Checklist"),
    ("section.items", "检查项目", "Items"),
    ("section.meters", "抄表", "Meter readings"),
    ("section.signing", "签字", "Signatures"),
    ("section.template", "模板", "Template"),
    ("section.checkpoints", "签到点", "Checkpoints"),
    ("section.duty_log", "值班记录", "Duty log"),
    ("field.action", "处理措施", "Action taken"),
    ("field.building", "楼栋", "Building"),
    ("field.by", "经办人", "By"),
    ("field.checkpoint", "签到点", "Checkpoint"),
    ("field.completed_at", "完成时间", "Completed at"),
    ("field.declined_at", "拒修时间", "Declined at"),
    ("field.declined_reason", "拒修原因", "Reason for declining"),
    (
        "field.declined_signature",
        "拒修签名",
        "Signature on the decline",
    ),
    ("field.defects", "问题", "Defects"),
    ("field.escalated_at", "上报时间", "Escalated at"),
    ("field.escalated_to", "上报至", "Escalated to"),
    ("field.fee_standard", "收费标准", "Fee standard"),
    ("field.floor", "楼层", "Floor"),
    ("field.from_price_list", "价目表内", "From the price list"),
    ("field.head", "负责人", "Head"),
    ("field.inspector", "检查人", "Inspector"),
    ("field.item", "项目", "Item"),
    (
        "field.key_retained_by_office",
        "钥匙由管理处保管",
        "Key kept by the office",
    ),
    ("field.line_total", "小计", "Line total"),
    ("field.material", "材料", "Material"),
    ("field.meter", "表", "Meter"),
    ("field.owner", "业主", "Owner"),
    ("field.owner_signature", "业主签名", "Owner's signature"),
    ("field.person", "联系人", "Person"),
    ("field.photo", "照片", "Photo"),
    ("field.place", "位置", "Place"),
    ("field.place_kind", "类型", "Kind of place"),
    ("field.quantity", "数量", "Quantity"),
    ("field.quote_note", "报价说明", "Quote note"),
    ("field.quoted_at", "报价时间", "Quoted at"),
    ("field.quoted_fee", "报价", "Quoted fee"),
    ("field.rating", "评价", "Rating"),
    ("field.reading", "读数", "Reading"),
    ("field.recorded_at", "记录时间", "Recorded at"),
    ("field.repairs", "维修单", "Repair sheets"),
    ("field.reply", "答复", "Reply"),
    (
        "field.reported_to_head_at",
        "报告负责人时间",
        "Reported to the head at",
    ),
    (
        "field.resident_signature",
        "住户签名",
        "Resident's signature",
    ),
    ("field.result", "结果", "Result"),
    ("field.section", "区域", "Section"),
    ("field.signed_at", "签字时间", "Signed at"),
    ("field.solved", "已解决", "Solved"),
    ("field.staff_signature", "员工签名", "Staff signature"),
    ("field.template", "模板", "Template"),
    ("field.template_type", "模板类型", "Kind of checklist"),
    ("field.template_version", "模板版本", "Template version"),
    ("field.title", "标题", "Title"),
    ("field.total", "合计", "Total"),
    ("field.unit_price", "单价", "Unit price"),
    ("field.visit", "签到", "Check-in"),
    ("place.building", "{0}栋", "building {0}"),
    ("place.floor", "{0}层", "floor {0}"),
    ("place.area", "{0}", "{0}"),
    ("list.separator", "、", ", "),
    ("record.missed", "未签到", "missed"),
    (
        "record.not_visible",
        "（无权查看的记录）",
        "(a record you cannot see)",
    ),
    ("record.out_of_order", "未按顺序", "out of order"),
    (
        "record.pending_upload",
        "手机尚未上传",
        "not uploaded by the phone yet",
    ),
    ("record.visits_n", "共 {0} 次", "{0} visits"),
    ("record.id", "记录编号", "Record id"),
    (
        "record.audit",
        "字段历史与原始历史（审计用）",
        "Field history and raw history (for audits)",
    ),
    ("record.created", "创建", "Created"),
    ("record.fields", "字段", "Fields"),
    ("record.conflicts_n", "{0} 处冲突", "{0} conflict(s)"),
    ("record.no_conflicts", "没有冲突。", "No conflicts."),
    ("record.keep_this", "保留此值", "Keep this value"),
    ("record.photos", "照片与签名", "Photos and signatures"),
    (
        "record.no_photos",
        "没有照片或签名。",
        "No photos or signatures.",
    ),
    ("record.photo", "照片", "Photo"),
    ("record.signature", "签名", "Signature"),
    ("record.timeline", "时间线", "Timeline"),
    ("record.history", "原始历史", "Raw history"),
    (
        "login.wait",
        "登录失败次数过多，请 {0} 秒后再试。",
        "Too many failed sign-ins: try again in {0} s.",
    ),
    (
        "login.busy",
        "正在核对的登录太多，请稍后再试。",
        "Too many sign-ins are being checked: try again in a moment.",
    ),
    ("record.field_history", "字段历史", "Field history"),
    ("record.replaced", "原值", "Replaced"),
    (
        "record.resolved_conflict",
        "解决冲突",
        "resolved a conflict",
    ),
    ("record.first_value", "初始值", "first value"),
    (
        "record.export_history",
        "导出完整历史（JSON，供审计）",
        "Export the whole history (JSON, for an auditor)",
    ),
    ("record.superseded", "未生效", "Superseded"),
    ("record.not_received", "尚未同步", "not synced yet"),
    ("record.set_field", "设置 {0}", "set {0}"),
    ("value.yes", "是", "yes"),
    ("value.no", "否", "no"),
    ("coverage.title", "巡逻覆盖", "Patrol coverage"),
    ("coverage.week_of", "所在周", "Week of"),
    (
        "coverage.summary",
        "{0} 至 {1}：{3} 个巡逻点中 {2} 个达到每周 {4} 次",
        "{0} to {1}: {2} of {3} places had their {4} rounds",
    ),
    ("coverage.building", "楼栋 / 区域", "Building / area"),
    ("coverage.floors", "楼层", "Floors"),
    (
        "coverage.no_floor",
        "整体（无楼层）",
        "whole place (no floor)",
    ),
    (
        "coverage.no_routes",
        "尚未定义巡逻路线。",
        "No patrol route is defined yet.",
    ),
    (
        "coverage.cell_title",
        "本周签到 {0} 次",
        "{0} check-ins this week",
    ),
    ("coverage.rounds", "本周巡逻", "This week's rounds"),
    (
        "coverage.rounds_summary",
        "共 {0} 次巡逻，其中 {1} 次有漏检或顺序错误",
        "{0} rounds, {1} with checkpoints missed or out of order",
    ),
    ("coverage.missed", "漏检点", "Missed checkpoints"),
    ("coverage.out_of_order", "顺序错误", "Out of order"),
    (
        "coverage.late_findings",
        "超过上报期限的发现",
        "Findings past their reporting deadline",
    ),
    (
        "coverage.no_late_findings",
        "没有超期未上报的发现。",
        "No finding is past its reporting deadline.",
    ),
    ("callbacks.title", "回访", "Callbacks"),
    ("callbacks.rates", "{0} 回访率", "Callback rates, {0}"),
    ("callbacks.overdue", "逾期回访（{0}）", "Overdue ({0})"),
    ("callbacks.due", "待回访（{0}）", "Due ({0})"),
    ("callbacks.none", "无。", "None."),
    ("callbacks.by", "回访人", "Called back by"),
    (
        "callbacks.by_property_officer",
        "片区物业管理员",
        "the area's property officer",
    ),
    ("callbacks.made", "已回访次数", "Callbacks made"),
    ("rate.met", "达标", "met"),
    ("rate.missed", "未达标", "missed"),
    ("rate.no_data", "无数据", "no data"),
    ("rate.no_target", "未设目标", "no target set"),
    ("monthly.title", "月报", "Monthly report"),
    ("monthly.month", "月份", "Month"),
    (
        "monthly.timeliness",
        "投诉处理及时率",
        "Complaint timeliness",
    ),
    (
        "monthly.complaint_timeliness",
        "投诉处理及时率",
        "Complaint timeliness rate",
    ),
    ("monthly.help_requests", "求助", "Help requests"),
    (
        "monthly.repairs",
        "按紧急程度的维修及时率",
        "Repair deadlines by urgency",
    ),
    ("monthly.callbacks", "回访率", "Callback rates"),
    (
        "monthly.complaint_callbacks",
        "投诉回访率",
        "Complaints called back",
    ),
    (
        "monthly.repair_callbacks",
        "维修回访率",
        "Repairs called back",
    ),
    ("monthly.export_csv", "导出 CSV", "Export CSV"),
    ("duty.title", "值班记录", "Duty log"),
    ("duty.date", "值班日", "Duty day"),
    ("duty.none", "{0} 没有值班记录。", "No duty log for {0}."),
    (
        "duty.counts_intact",
        "共追加 {0} 条，显示 {1} 条：没有任何记录被删除（服务器拒绝删除）。",
        "Entries ever appended: {0}; shown: {1}. None was ever removed (the server refuses removals).",
    ),
    (
        "duty.counts_differ",
        "共追加 {0} 条，但只显示 {1} 条！",
        "Entries ever appended: {0}, but shown: {1}!",
    ),
    (
        "duty.record",
        "查看原始记录与历史",
        "The record and its history",
    ),
    ("duty.entries", "记录", "Entries"),
    ("duty.text", "内容", "Text"),
    ("duty.follow_up", "跟进", "Follow-up"),
    ("duty.important", "重要", "important"),
    ("duty.corrected_by", "已更正为：{0}", "corrected: {0}"),
    (
        "duty.after_sign_off",
        "签阅后追加",
        "written after the sign-off",
    ),
    ("duty.closed_by", "已跟进：{0}", "done: {0}"),
    ("duty.open", "待跟进", "open"),
    ("duty.handovers", "交接班", "Handovers"),
    ("duty.no_handovers", "尚无交接。", "No handover yet."),
    ("duty.arrived_ahead", "提前 {0} 到岗", "arrived {0} ahead"),
    (
        "duty.outgoing_signature",
        "交班人签名",
        "Outgoing signature",
    ),
    (
        "duty.incoming_signature",
        "接班人签名",
        "Incoming signature",
    ),
    ("duty.item", "物品", "Item"),
    ("duty.expected", "应有", "Expected"),
    ("duty.counted", "清点", "Counted"),
    ("duty.note", "备注", "Note"),
    ("duty.sign_off", "主管签阅", "Supervisor's sign-off"),
    ("duty.append", "写入记录", "Write in the log"),
    ("duty.log_of", "{0} 值班记录", "Duty log {0}"),
    (
        "duty.shared_creator",
        "各设备共同开立",
        "opened by every device alike",
    ),
    ("duty.needs_follow_up", "需要跟进", "Needs a follow-up"),
    (
        "duty.important_work",
        "重要工作（未跟进完不得交班）",
        "Important work (no handover until it is followed up)",
    ),
    ("duty.close", "完成跟进", "Close the follow-up"),
    ("duty.hand_over", "交接班", "Hand over the desk"),
    ("duty.outgoing", "交班人", "Outgoing officer"),
    ("duty.incoming", "接班人", "Incoming officer"),
    (
        "duty.incoming_arrived",
        "接班人到岗时间",
        "Incoming officer arrived at",
    ),
    (
        "duty.acknowledge",
        "接班人已阅读并接手的跟进事项",
        "Follow-ups the incoming officer read and takes on",
    ),
    ("duty.sign_off_action", "签阅值班记录", "Sign the duty log"),
    ("duty.comment", "意见", "Comment"),
    (
        "duty.count_not_number",
        "数量须为整数",
        "A count must be a whole number",
    ),
    ("duty.signed_by", "{0} 已签阅", "Signed by {0}"),
    ("duty.not_signed", "主管尚未签阅。", "Not signed off yet."),
    ("desk.repair_title", "新建维修单", "New repair sheet"),
    (
        "desk.complaint_title",
        "新建投诉 / 求助",
        "New complaint or help request",
    ),
    (
        "desk.not_allowed",
        "你的角色不能在前台登记。",
        "Your role does not take requests at the desk.",
    ),
    (
        "desk.reported_at",
        "来电时间（空 = 现在）",
        "Call received (empty = now)",
    ),
    (
        "desk.received_at",
        "接报时间（空 = 现在）",
        "Received (empty = now)",
    ),
    ("desk.dispatch_to", "立即派工给", "Dispatch at once to"),
    ("desk.no_dispatch", "暂不派工", "Do not dispatch yet"),
    ("desk.open_repair", "开单", "Open the repair sheet"),
    ("desk.open_complaint", "登记", "Open the case"),
    ("desk.four_clears", "四清一报", "Four clears and one report"),
    ("field.resident_name", "住户姓名", "Resident"),
    ("field.unit", "单元 / 地址", "Unit / address"),
    ("field.phone", "电话", "Phone"),
    ("field.problem", "故障内容", "What is broken"),
    ("field.location", "位置", "Location"),
    (
        "field.on_price_list",
        "在有偿服务价目表内",
        "On the price list",
    ),
    ("field.urgency", "紧急程度", "Urgency"),
    ("field.appointment", "预约时间", "Appointment"),
    ("field.channel", "类别", "Channel"),
    ("field.department", "责任部门", "Department"),
    ("field.seriousness", "严重程度", "Seriousness"),
    (
        "field.serious",
        "重大投诉（立即上报公司）",
        "Serious (report to management at once)",
    ),
    (
        "field.heard",
        "听清：住户原话",
        "Heard clearly: the resident's words",
    ),
    (
        "field.asked",
        "问清：补充询问",
        "Asked clearly: the answers",
    ),
    (
        "field.repeated_back",
        "复述清：住户已确认",
        "Repeated back and confirmed",
    ),
    (
        "field.recorded",
        "记录清：摘要",
        "Recorded clearly: summary",
    ),
    (
        "field.reported_to",
        "一报：已报告的部门负责人",
        "Reported to (department head)",
    ),
    ("field.reported_at", "报修时间", "Reported at"),
    ("field.opened_at", "开单时间", "Opened at"),
    ("field.source", "来源", "Source"),
    ("field.technician", "技术员", "Technician"),
    ("field.dispatched_at", "派工时间", "Dispatched at"),
    ("field.quote", "报价", "Quote"),
    ("field.arrived_at", "到场时间", "Arrived at"),
    ("field.confirmed_items", "确认项目", "Confirmed items"),
    ("field.agreed_at", "住户同意时间", "Agreed at"),
    ("field.declined", "住户拒绝", "Declined"),
    ("field.fee_lines", "收费明细", "Fee lines"),
    ("field.materials", "住户自备材料", "Materials"),
    ("field.notes", "备注", "Notes"),
    ("field.photos", "照片", "Photos"),
    ("field.completion", "完工", "Completion"),
    ("field.handed_back_at", "交回时间", "Handed back at"),
    ("field.returned_at", "确认交回时间", "Return confirmed at"),
    ("field.callbacks", "回访", "Callbacks"),
    ("field.received_at", "接报时间", "Received at"),
    ("field.dispatches", "派单", "Dispatches"),
    ("field.escalation", "上报公司", "Escalation"),
    (
        "field.escalation_required",
        "须上报公司",
        "Escalation required",
    ),
    ("field.escalation_pending", "待上报", "Escalation pending"),
    ("field.escalation_overdue", "上报超时", "Escalation overdue"),
    ("field.answers", "答复", "Answers"),
    ("field.answered_at", "答复时间", "Answered at"),
    ("field.solved_at", "解决时间", "Solved at"),
    ("field.head_report", "报告负责人", "Report to head"),
    (
        "field.head_answered_at",
        "负责人答复时间",
        "Head answered at",
    ),
    ("field.handlings", "处理", "Handling"),
    ("field.handled_at", "处理时间", "Handled at"),
    ("field.sign_off", "签字确认", "Sign-off"),
    ("field.callback_by", "回访人", "Callback by"),
    ("field.duplicate_of", "重复于", "Duplicate of"),
    ("field.route", "路线", "Route"),
    ("field.route_name", "路线名称", "Route name"),
    ("field.route_version", "路线版本", "Route version"),
    ("field.officer", "巡逻员", "Officer"),
    ("field.started_at", "开始时间", "Started at"),
    ("field.finished_at", "结束时间", "Finished at"),
    ("field.checkpoints", "巡逻点", "Checkpoints"),
    ("field.check_ins", "签到", "Check-ins"),
    ("field.in_order", "按顺序", "In order"),
    ("field.findings", "发现", "Findings"),
    ("field.estate", "小区", "Estate"),
    ("field.day_start", "值班日开始", "Duty day starts"),
    ("field.entries", "记录", "Entries"),
    ("field.open_follow_ups", "待跟进", "Open follow-ups"),
    ("field.handovers", "交接班", "Handovers"),
    ("field.entry_count", "记录条数", "Entries"),
    ("field.signature", "签名", "Signature"),
    ("field.signer", "签名人", "Signer"),
    ("field.caption", "说明", "Caption"),
    ("field.blob", "文件", "File"),
    ("field.at", "时间", "At"),
    ("field.user", "用户", "User"),
    ("field.text", "内容", "Text"),
    ("field.description", "描述", "Description"),
    ("field.category", "类别", "Category"),
    ("field.feasible", "可行", "Feasible"),
    ("field.fee_cents", "费用（分）", "Fee (cents)"),
    ("field.note", "备注", "Note"),
    ("field.items_repaired", "维修项目", "Items repaired"),
    ("field.satisfaction", "满意度", "Satisfaction"),
    ("field.reason", "原因", "Reason"),
    ("field.method", "方式", "Method"),
    ("field.outcome", "结果", "Outcome"),
    ("field.satisfied", "满意", "Satisfied"),
    ("field.name", "名称", "Name"),
    ("field.version", "版本", "Version"),
    ("field.items", "项目", "Items"),
    ("role.patrol", "巡逻员", "patrol officer"),
    ("role.technician", "技术员", "technician"),
    ("role.front_desk", "前台", "front desk"),
    ("role.supervisor", "主管", "supervisor"),
    ("role.office", "办公室", "office"),
    ("role.admin", "管理员", "admin"),
    ("vocab.repair_sheet", "维修单", "Repair sheet"),
    ("vocab.route_template", "巡逻路线", "Patrol route"),
    ("vocab.patrol_round", "巡逻", "Patrol round"),
    (
        "vocab.checklist_template",
        "检查表模板",
        "Checklist template",
    ),
    ("vocab.checklist", "检查表", "Checklist"),
    ("vocab.complaint", "投诉", "Complaint"),
    ("vocab.duty_log", "值班记录", "Duty log"),
    ("vocab.help_request", "求助", "Help request"),
    ("vocab.reported", "已报修", "reported"),
    ("vocab.dispatched", "已派工", "dispatched"),
    ("vocab.quoted", "已报价", "quoted"),
    ("vocab.on_site", "已到场", "on site"),
    ("vocab.agreed", "住户已同意", "agreed"),
    ("vocab.declined", "住户已拒绝", "declined"),
    ("vocab.completed", "已完工", "completed"),
    ("vocab.handed_back", "已交回", "handed back"),
    ("vocab.returned", "已确认交回", "returned"),
    ("vocab.called_back", "已回访", "called back"),
    ("vocab.received", "已接报", "received"),
    ("vocab.handled", "已处理", "handled"),
    ("vocab.signed_off", "已签字", "signed off"),
    ("vocab.duplicate", "重复", "duplicate"),
    ("vocab.in_progress", "进行中", "in progress"),
    ("vocab.finished", "已完成", "finished"),
    ("vocab.open", "进行中", "open"),
    ("vocab.defined", "已定义", "defined"),
    ("vocab.signed", "已签字", "signed"),
    ("vocab.extra_urgent", "特急", "extra urgent"),
    ("vocab.urgent", "紧急", "urgent"),
    ("vocab.normal", "一般", "normal"),
    ("vocab.in_unit", "户内（有偿）", "in a unit (paid)"),
    (
        "vocab.public_area",
        "公共区域（免费）",
        "public area (free)",
    ),
    ("vocab.engineering", "工程部", "engineering"),
    ("vocab.security", "保安部", "security"),
    ("vocab.property", "物业部", "property"),
    ("vocab.mail", "收发室", "mail"),
    ("vocab.ordinary", "一般", "ordinary"),
    ("vocab.important", "重要", "important"),
    ("vocab.major", "重大", "major"),
    (
        "vocab.medical_emergency",
        "求助：急病",
        "help: medical emergency",
    ),
    ("vocab.repair", "求助：报修", "help: repair"),
    ("vocab.help_complaint", "求助：投诉", "help: complaint"),
    ("vocab.enquiry", "求助：咨询", "help: enquiry"),
    ("vocab.theft", "求助：盗窃", "help: theft"),
    ("vocab.fight", "求助：打架", "help: fight"),
    ("vocab.robbery", "求助：抢劫", "help: robbery"),
    ("vocab.poisoning", "求助：中毒", "help: poisoning"),
    (
        "vocab.traffic_accident",
        "求助：交通事故",
        "help: traffic accident",
    ),
    ("vocab.typhoon", "求助：台风", "help: typhoon"),
    ("vocab.flood", "求助：水浸", "help: flood"),
    ("vocab.fire", "求助：火警", "help: fire"),
    ("vocab.other", "其他", "other"),
    ("vocab.patrol_officer", "巡逻员", "patrol officer"),
    (
        "vocab.customer_service_supervisor",
        "客服主管",
        "customer-service supervisor",
    ),
    ("vocab.estate_manager", "小区经理", "estate manager"),
    ("vocab.facility_damage", "公共设施损坏", "facility damage"),
    (
        "vocab.plant_room_door_open",
        "机房门未关",
        "plant-room door open",
    ),
    ("vocab.cleanliness", "清洁问题", "cleanliness"),
    (
        "vocab.renovation_violation",
        "违规装修",
        "renovation violation",
    ),
    (
        "vocab.unit_safety_hazard",
        "住户安全隐患",
        "unit safety hazard",
    ),
    ("vocab.disturbance", "纠纷聚众", "disturbance"),
    ("vocab.public_order", "公共秩序", "public order"),
    (
        "vocab.public_area_inspection",
        "公共区域巡查",
        "public area inspection",
    ),
    (
        "vocab.cleaning_inspection",
        "清洁检查",
        "cleaning inspection",
    ),
    (
        "vocab.renovation_acceptance",
        "装修验收",
        "renovation acceptance",
    ),
    ("vocab.unit_handover", "收楼验房", "unit handover"),
    ("vocab.preliminary", "初验", "preliminary"),
    ("vocab.formal", "正式验收", "formal acceptance"),
    ("vocab.re_inspection", "复验", "re-inspection"),
    ("vocab.pass", "合格", "pass"),
    ("vocab.fail", "不合格", "fail"),
    ("vocab.not_applicable", "不适用", "not applicable"),
    ("vocab.electricity", "电表", "electricity"),
    ("vocab.water", "水表", "water"),
    ("vocab.gas", "燃气表", "gas"),
    ("vocab.floor", "楼层", "floor"),
    ("vocab.unit", "单元", "unit"),
    ("vocab.shop", "商铺", "shop"),
    ("vocab.car_park", "停车场", "car park"),
    ("vocab.green_area", "绿化区", "green area"),
    ("vocab.facility_room", "设备房", "facility room"),
    ("vocab.scan", "扫码", "scan"),
    ("vocab.manual", "手动输入", "typed in"),
    ("vocab.call", "来电", "call"),
    ("vocab.visit", "来访", "visit"),
    ("vocab.incident", "事件", "incident"),
    ("vocab.follow_up", "跟进", "follow-up"),
    ("vocab.equipment", "设备", "equipment"),
    ("vocab.very_satisfied", "非常满意", "very satisfied"),
    ("vocab.satisfied", "满意", "satisfied"),
    ("vocab.neutral", "一般", "neutral"),
    ("vocab.dissatisfied", "不满意", "dissatisfied"),
    ("vocab.qualified", "合格", "qualified"),
    ("vocab.unqualified", "不合格", "unqualified"),
    ("vocab.poor_quality", "质量差", "poor quality"),
    ("vocab.phone", "电话回访", "phone callback"),
    ("vocab.in_person", "上门回访", "in person"),
    ("event.opened", "开单", "opened"),
    ("event.dispatched", "派工", "dispatched"),
    ("event.quoted", "报价", "quoted"),
    ("event.arrived", "到场", "arrived"),
    ("event.items_confirmed", "确认项目", "items confirmed"),
    ("event.agreed", "住户同意", "agreed"),
    ("event.declined", "住户拒绝", "declined"),
    ("event.fee_line_added", "增加收费", "fee line added"),
    ("event.material_checked", "检查材料", "material checked"),
    ("event.note_added", "增加备注", "note added"),
    ("event.photo_attached", "附加照片", "photo attached"),
    ("event.completed", "完工", "completed"),
    ("event.handed_back", "交回", "handed back"),
    ("event.return_confirmed", "确认交回", "return confirmed"),
    ("event.called_back", "回访", "called back"),
    ("event.escalated", "上报公司", "escalated"),
    ("event.answered", "答复", "answered"),
    (
        "event.reported_to_head",
        "报告负责人",
        "reported to the head",
    ),
    ("event.handled", "处理", "handled"),
    ("event.signed_off", "签字", "signed off"),
    ("event.marked_duplicate", "标为重复", "marked duplicate"),
    ("event.started", "开始", "started"),
    ("event.checked_in", "签到", "checked in"),
    ("event.finding_added", "记录发现", "finding added"),
    ("event.repair_linked", "关联维修单", "repair linked"),
    ("event.finished", "结束", "finished"),
    ("event.entry_appended", "追加记录", "entry appended"),
    ("event.handed_over", "交接班", "handed over"),
    ("event.item_set", "填写项目", "item set"),
    ("event.meter_recorded", "抄表", "meter recorded"),
    ("event.signed", "签字", "signed"),
    ("event.defined", "定义", "defined"),
    ("event.revised", "修订", "revised"),
    (
        "rule.repair.front_desk_writes_sheet",
        "前台在接到来电 2 分钟内填写维修单",
        "",
    ),
    (
        "rule.repair.engineering_told_to_collect",
        "前台在来电 3 分钟内通知工程部取单",
        "",
    ),
    (
        "rule.repair.public_area_engineering_told",
        "公共区域故障在报告后 10 分钟内通知工程部",
        "",
    ),
    (
        "rule.repair.public_area_technician_on_site",
        "公共区域故障在派工后 15 分钟内技术员到场",
        "",
    ),
    (
        "rule.repair.paid_now_technician_on_site",
        "价目表内的即时有偿维修，技术员接单后 10 分钟内到场",
        "",
    ),
    (
        "rule.repair.paid_appointment_technician_on_site",
        "有预约的有偿维修，技术员在预约时间前 5 分钟到场",
        "",
    ),
    (
        "rule.repair.quote_decided",
        "价目表外项目，工程部收单后 15 分钟内确定可行性和费用",
        "",
    ),
    (
        "rule.repair.extra_urgent_handled",
        "特急维修在报修后 10 分钟内到场或处理",
        "",
    ),
    (
        "rule.repair.urgent_handled",
        "紧急维修在报修后 15 分钟内到场或处理",
        "",
    ),
    (
        "rule.repair.normal_handled",
        "一般维修当天处理，或按约定时间处理",
        "",
    ),
    (
        "rule.repair.sheets_handed_back",
        "技术员当天 17:00 前交回已完工的维修单",
        "",
    ),
    (
        "rule.repair.sheets_passed_to_finance",
        "前台在每月 25 日前把当月维修单交财务",
        "",
    ),
    (
        "rule.patrol.facility_damage_reported",
        "公共设施损坏在 2 小时内报工程部",
        "",
    ),
    (
        "rule.patrol.plant_room_lock_reported",
        "机房门锁损坏在 1 小时内通知工程部",
        "",
    ),
    ("rule.patrol.cleanliness_handled", "清洁问题立即处理", ""),
    (
        "rule.patrol.unit_hazard_owner_told",
        "住户门窗阳台安全隐患立即告知业主",
        "",
    ),
    (
        "rule.patrol.disturbance_reported",
        "纠纷、聚众、赌博立即报告小区经理",
        "",
    ),
    (
        "rule.patrol.floor_coverage",
        "每栋楼每层及公共设施每周巡查两次",
        "",
    ),
    (
        "rule.patrol.vacant_unit_checked",
        "空置单元每半月清洁检查一次",
        "",
    ),
    (
        "rule.patrol.yesterdays_repairs_checked",
        "每天下午检查前一天完成的维修",
        "",
    ),
    (
        "rule.renovation.formal_acceptance_arranged",
        "住户通知后 2 个工作日内安排装修正式验收",
        "",
    ),
    (
        "rule.renovation.acceptance_organised",
        "申请后 3 天内组织装修验收",
        "",
    ),
    ("rule.renovation.defects_fixed", "装修缺陷在 2 周内整改", ""),
    (
        "rule.renovation.deposit_refunded",
        "正式验收合格 3 个月后退还装修押金",
        "",
    ),
    (
        "rule.complaint.serious_reported",
        "重大投诉立即上报公司管理层",
        "",
    ),
    (
        "rule.help_request.answered",
        "不能即时解决的求助在 10 分钟内答复",
        "",
    ),
    (
        "rule.complaint.timeliness_rate",
        "投诉处理及时率 = 按时处理的投诉 / 当月全部投诉",
        "",
    ),
    ("rule.complaint.handled", "投诉在受理次日结束前处理完毕", ""),
    ("rule.callback.after_complaint", "投诉处理后 3 天内回访", ""),
    (
        "rule.callback.follow_up",
        "回访不满意时，在约定的跟进日期前再次回访",
        "",
    ),
    ("rule.callback.after_repair", "维修完成后 1 个月内回访", ""),
    (
        "rule.callback.after_community_event",
        "社区活动后 1 个月内回访",
        "",
    ),
    (
        "rule.callback.share_complaint",
        "已处理投诉的回访率不低于 50%",
        "",
    ),
    (
        "rule.callback.share_repair",
        "已完成维修的回访率不低于 30%",
        "",
    ),
    (
        "rule.callback.share_community_event",
        "社区活动参与者回访率不低于 10%",
        "",
    ),
    (
        "rule.callback.issues_all_handled",
        "回访中提出的问题 100% 处理",
        "",
    ),
    (
        "rule.duty.day_bounds",
        "值班日为当地 08:30 至次日 08:30",
        "",
    ),
    (
        "rule.duty.handover_arrival",
        "接班人在值班日开始前 5 分钟到岗",
        "",
    ),
    ("rule.duty.log_retention", "值班记录保存 3 年", ""),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use stairwell_core::rules::RuleId;

    use super::*;

    /// The console's sources, scanned for the keys they use.
    const SOURCES: [&str; 21] = [
        include_str!("accounts.rs"),
        include_str!("callbacks.rs"),
        include_str!("chart.rs"),
        include_str!("coverage.rs"),
        include_str!("desk.rs"),
        include_str!("duty.rs"),
        include_str!("duty_desk.rs"),
        include_str!("sheet/layout.rs"),
        include_str!("sheet/render.rs"),
        include_str!("events.rs"),
        include_str!("html.rs"),
        include_str!("login.rs"),
        include_str!("monthly.rs"),
        include_str!("../accounts/password.rs"),
        include_str!("record.rs"),
        include_str!("session.rs"),
        include_str!("today.rs"),
        include_str!("write.rs"),
        include_str!("actions.rs"),
        include_str!("images.rs"),
        include_str!("mod.rs"),
    ];
    const PREFIXES: [&str; 26] = [
        "account.",
        "action.",
        "section.",
        "place.",
        "list.",
        "callbacks.",
        "col.",
        "coverage.",
        "desk.",
        "dur.",
        "duty.",
        "error.",
        "field.",
        "filter.",
        "lang.",
        "live.",
        "login.",
        "monthly.",
        "nav.",
        "rate.",
        "record.",
        "time.",
        "today.",
        "value.",
        "vocab.",
        "role.",
    ];

    #[test]
    fn keys_are_unique_and_every_one_has_both_languages() {
        let mut seen = HashSet::new();
        for (key, zh, en) in MESSAGES {
            assert!(seen.insert(*key), "{key} twice");
            assert!(!zh.is_empty(), "{key} has no Chinese");
            assert!(
                key.starts_with("rule.") || !en.is_empty(),
                "{key} has no English"
            );
        }
    }

    #[test]
    fn every_key_the_pages_use_is_in_the_table() {
        let mut missing = Vec::new();
        for source in SOURCES {
            for literal in source.split('"').skip(1).step_by(2) {
                let is_key = PREFIXES.iter().any(|prefix| literal.starts_with(prefix))
                    && literal
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
                    && !literal.ends_with('.');
                if is_key && Lang::En.lookup(literal).is_none() {
                    missing.push(literal.to_owned());
                }
            }
        }
        assert!(missing.is_empty(), "missing messages: {missing:?}");
    }

    #[test]
    fn every_rule_and_role_is_named_in_chinese() {
        for rule in RuleId::ALL {
            assert!(
                Lang::Zh.lookup(&format!("rule.{}", rule.code())).is_some(),
                "{rule:?}"
            );
        }
        for role in stairwell_core::record::Role::ALL {
            assert!(Lang::Zh.lookup(&format!("role.{role}")).is_some());
        }
    }

    #[test]
    fn the_language_follows_the_cookie_then_the_browser() {
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,zh;q=0.5"),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language("fr-FR"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, "en-US".parse().expect("header"));
        headers.insert(header::COOKIE, "lang=zh".parse().expect("header"));
        assert_eq!(Lang::of(&headers), Lang::Zh);
        assert_eq!(Lang::En.tf("time.left", &["5 min"]), "5 min left");
    }
}

//! The estate's standard sheets as pure data, so a supervisor starts a
//! template from what the procedures require instead of typing it in. Labels
//! are bilingual ("中文 / English") as the printed sheets are.

use super::{ChecklistItem, RenovationStage, TemplateType};

/// The standard items of a template type.
pub fn standard_items(template_type: TemplateType) -> Vec<ChecklistItem> {
    let items: &[(&str, &str, &str)] = match template_type {
        TemplateType::PublicAreaInspection => PUBLIC_AREA,
        TemplateType::CleaningInspection => CLEANING,
        TemplateType::RenovationAcceptance {
            stage: RenovationStage::Preliminary,
        } => RENOVATION_PRELIMINARY,
        TemplateType::RenovationAcceptance { .. } => RENOVATION_FORMAL,
        TemplateType::UnitHandover => UNIT_HANDOVER,
    };
    items
        .iter()
        .map(|(id, label, section)| ChecklistItem::new(*id, *label, *section))
        .collect()
}

const FOCUS: &str = "检查重点 / Focus";
const ORDER: &str = "公共秩序 / Public order";

/// The public-area inspection sheet: the four focus items of [§10.5.2]
/// first, then what docs/DOMAIN.md §2 says is recorded on this sheet.
const PUBLIC_AREA: &[(&str, &str, &str)] = &[
    (
        "corridor_walls_floors",
        "走廊墙面、地面 / Corridor walls and floors",
        FOCUS,
    ),
    (
        "fire_escape_walls_floors",
        "消防通道墙面、地面 / Fire escape walls and floors",
        FOCUS,
    ),
    (
        "lamps",
        "灯具无损坏、无不亮 / Lamps: none broken or dark",
        FOCUS,
    ),
    ("lifts", "电梯运行正常 / Lifts working", FOCUS),
    (
        "shared_facilities",
        "公共设施无损坏 / Shared facilities undamaged",
        ORDER,
    ),
    (
        "fire_escapes_clear",
        "消防通道无堵塞 / Fire escapes not blocked",
        ORDER,
    ),
    (
        "no_littering",
        "无乱扔垃圾、无践踏草坪 / No littering or trampled lawns",
        ORDER,
    ),
    (
        "parking_hawking",
        "无乱停车、无摆卖 / No bad parking or hawking",
        ORDER,
    ),
];

const CLEAN: &str = "清洁 / Cleaning";

const CLEANING: &[(&str, &str, &str)] = &[
    ("lobby", "大堂地面、墙面 / Lobby floor and walls", CLEAN),
    ("corridors", "走廊 / Corridors", CLEAN),
    (
        "stairwells",
        "楼梯间及扶手 / Stairwells and handrails",
        CLEAN,
    ),
    ("lift_cars", "电梯轿厢 / Lift cars", CLEAN),
    ("glass", "玻璃门窗 / Glass doors and windows", CLEAN),
    (
        "bins",
        "垃圾桶已清理、无异味 / Bins emptied, no odour",
        CLEAN,
    ),
    (
        "green_areas",
        "绿化带无垃圾 / Green areas free of litter",
        CLEAN,
    ),
];

const CONCEALED: &str = "隐蔽工程 / Concealed works";

/// Concealed works, checked before they are closed up [§7].
const RENOVATION_PRELIMINARY: &[(&str, &str, &str)] = &[
    (
        "buried_conduits",
        "暗埋电线管 / Buried electrical conduits",
        CONCEALED,
    ),
    (
        "water_pipes",
        "给水管道打压试验 / Water pipes pressure-tested",
        CONCEALED,
    ),
    ("drainage", "排水管道 / Drainage pipes", CONCEALED),
    (
        "waterproofing",
        "防水层闭水试验 / Waterproofing water test",
        CONCEALED,
    ),
    ("ceiling_framing", "吊顶龙骨 / Ceiling framing", CONCEALED),
    (
        "structure_untouched",
        "承重结构未改动 / Load-bearing structure untouched",
        CONCEALED,
    ),
];

const SAFETY: &str = "结构与安全 / Structure and safety";
const FINISH: &str = "完工 / Finished works";

/// The formal acceptance; a re-inspection checks the same again [§7].
const RENOVATION_FORMAL: &[(&str, &str, &str)] = &[
    (
        "structure_untouched",
        "承重结构未改动 / Load-bearing structure untouched",
        SAFETY,
    ),
    (
        "facade_unchanged",
        "外立面、外门窗未改动 / Façade and outer windows unchanged",
        SAFETY,
    ),
    (
        "fire_equipment",
        "消防设施完好 / Fire equipment intact",
        SAFETY,
    ),
    (
        "electrical",
        "电气线路、开关插座 / Wiring, switches and sockets",
        FINISH,
    ),
    ("plumbing", "给排水 / Water supply and drainage", FINISH),
    ("ceilings", "吊顶 / Ceilings", FINISH),
    (
        "shared_areas",
        "公共区域无损坏、无装修垃圾 / Shared areas undamaged, no debris",
        FINISH,
    ),
];

const UNIT: &str = "房屋 / Unit";

/// The handover inspection form; meter readings are recorded apart.
const UNIT_HANDOVER: &[(&str, &str, &str)] = &[
    (
        "entrance_door",
        "入户门及门锁 / Entrance door and locks",
        UNIT,
    ),
    ("windows", "窗户及玻璃 / Windows and glass", UNIT),
    ("walls_ceilings", "墙面、天花 / Walls and ceilings", UNIT),
    ("floors", "地面 / Floors", UNIT),
    ("plumbing", "给排水、龙头 / Plumbing and taps", UNIT),
    (
        "electrical",
        "开关、插座、灯具 / Switches, sockets and lights",
        UNIT,
    ),
    (
        "kitchen_bathroom",
        "厨卫设施 / Kitchen and bathroom fittings",
        UNIT,
    ),
    ("intercom", "可视对讲 / Intercom", UNIT),
    ("balcony", "阳台 / Balcony", UNIT),
];

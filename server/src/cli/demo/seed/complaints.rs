//! The demo's complaints and help requests in every state.

use chrono::{DateTime, Duration, Utc};
use stairwell_core::kinds::Satisfaction;
use stairwell_core::kinds::complaint::{
    Channel, Complaint, CrimeKind, Department, DisasterKind, FourClears, HelpKind,
    Intake as ComplaintIntake, Seriousness,
};

use super::*;

pub(super) struct Case<'a> {
    unit: &'a str,
    resident: &'a str,
    heard: &'a str,
    recorded: &'a str,
    department: Department,
    seriousness: Seriousness,
    channel: Channel,
}

impl Seeder {
    pub(super) fn open_case(
        &mut self,
        case: Case<'_>,
        received: DateTime<Utc>,
    ) -> Result<Complaint, DemoError> {
        let intake = ComplaintIntake {
            resident_name: case.resident.into(),
            unit: case.unit.into(),
            phone: "139 0013 9000".into(),
            department: case.department,
            seriousness: case.seriousness,
            serious: false,
        };
        let clears = FourClears {
            heard: case.heard.into(),
            asked: "时间、地点、持续多久已问清 When, where and how long asked".into(),
            repeated_back: true,
            recorded: case.recorded.into(),
            reported_to: match case.channel {
                Channel::Complaint => Some("客服主管陈静 Chen Jing".into()),
                Channel::HelpRequest(_) => None,
            },
        };
        let complaint = Complaint::open(
            &self.editor(DESK)?,
            received + Duration::minutes(3),
            ESTATE_ID,
            intake,
            case.channel,
            clears,
            received,
        )?;
        self.create(DESK, &complaint)?;
        Ok(complaint)
    }

    pub(super) fn dispatch_case(
        &self,
        complaint: &mut Complaint,
        department: Department,
        person: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), DemoError> {
        self.act(DESK, complaint, |c, e| {
            c.dispatch(e, at, department, person)
        })
    }

    pub(super) fn handle_case(
        &self,
        complaint: &mut Complaint,
        by: &str,
        action: &str,
        at: DateTime<Utc>,
    ) -> Result<(), DemoError> {
        self.act(by, complaint, |c, e| c.record_handling(e, at, action, at))
    }

    pub(super) fn sign_off_case(
        &self,
        complaint: &mut Complaint,
        at: DateTime<Utc>,
    ) -> Result<(), DemoError> {
        let resident = complaint.view().intake.resident_name;
        let signed = self.signature(&resident)?;
        self.act(PATROL, complaint, |c, e| {
            c.resident_sign_off(e, at, signed, Satisfaction::Satisfied)
        })
    }

    /// Complaints in every state, one handled late, one a duplicate, one
    /// major and escalated.
    pub(super) fn complaints(&mut self) -> Result<(), DemoError> {
        let complaint = |unit, resident, heard, recorded, department| Case {
            unit,
            resident,
            heard,
            recorded,
            department,
            seriousness: Seriousness::Ordinary,
            channel: Channel::Complaint,
        };
        let hours = Duration::hours;

        // Received: just in.
        self.open_case(
            complaint(
                "B2-1102",
                "钱女士 Ms Qian",
                "楼上每天中午装修电钻声 Drilling upstairs every noon",
                "B2-1202 午间装修噪音 Renovation noise at noon",
                Department::Property,
            ),
            self.ago(20),
        )?;

        // Dispatched to engineering, and the same problem again: a duplicate.
        let received = self.day(1, 19, 0);
        let mut lighting = self.open_case(
            complaint(
                "B1-0101",
                "许先生 Mr Xu",
                "地下车库太暗 Car park too dark",
                "地下车库照明不足 Car park lighting dim",
                Department::Engineering,
            ),
            received,
        )?;
        self.dispatch_case(
            &mut lighting,
            Department::Engineering,
            Some(LI),
            received + Duration::minutes(8),
        )?;
        let mut again = self.open_case(
            complaint(
                "B3-0202",
                "何女士 Ms He",
                "车库灯坏了好几盏 Several car park lights out",
                "地下车库照明不足 Car park lighting dim",
                Department::Engineering,
            ),
            received + Duration::minutes(40),
        )?;
        let original = lighting.id();
        self.act(DESK, &mut again, |c, e| {
            c.mark_duplicate_of(e, received + Duration::minutes(45), original)
        })?;

        // Handled, waiting for the resident's signature.
        let received = self.day(2, 9, 0);
        let mut lift = self.open_case(
            complaint(
                "B3-0901",
                "谢先生 Mr Xie",
                "电梯运行有异响 Lift makes a grinding noise",
                "B3 电梯异响 B3 lift noise",
                Department::Engineering,
            ),
            received,
        )?;
        self.dispatch_case(
            &mut lift,
            Department::Engineering,
            Some(LI),
            received + Duration::minutes(10),
        )?;
        self.handle_case(
            &mut lift,
            LI,
            "导轨已润滑 Guide rails lubricated",
            received + hours(6),
        )?;

        // Handled and signed off.
        let received = self.day(3, 10, 0);
        let mut garbage = self.open_case(
            complaint(
                "B1-0303",
                "罗女士 Ms Luo",
                "垃圾两天没清运 Rubbish not collected for two days",
                "B1 垃圾清运不及时 B1 rubbish collection late",
                Department::Property,
            ),
            received,
        )?;
        self.dispatch_case(
            &mut garbage,
            Department::Property,
            None,
            received + Duration::minutes(5),
        )?;
        self.handle_case(
            &mut garbage,
            PATROL,
            "已安排加清一次 Extra collection arranged",
            received + hours(4),
        )?;
        self.sign_off_case(&mut garbage, received + hours(5))?;

        // Called back; the resident is satisfied.
        let received = self.day(6, 9, 30);
        let mut dog = self.open_case(
            complaint(
                "B2-0505",
                "高先生 Mr Gao",
                "邻居的狗夜里一直叫 Neighbour's dog barks all night",
                "B2-0605 犬吠扰民 Dog barking at night",
                Department::Property,
            ),
            received,
        )?;
        self.dispatch_case(
            &mut dog,
            Department::Property,
            None,
            received + Duration::minutes(5),
        )?;
        self.handle_case(
            &mut dog,
            PATROL,
            "已上门劝导 Owner spoken to",
            received + hours(8),
        )?;
        self.sign_off_case(&mut dog, received + hours(9))?;
        self.act(PATROL, &mut dog, |c, e| {
            c.call_back(
                e,
                self.day(4, 10, 0),
                phone_callback(true, "已无犬吠 No more barking"),
            )
        })?;

        // Called back; the problem is back, so it is open again.
        let received = self.day(5, 14, 0);
        let mut seepage = self.open_case(
            Case {
                seriousness: Seriousness::Important,
                ..complaint(
                    "B1-0808",
                    "袁女士 Ms Yuan",
                    "楼梯间墙面渗水 Water seeping through the stairwell wall",
                    "B1 8F 楼梯间渗水 B1 8F stairwell seepage",
                    Department::Engineering,
                )
            },
            received,
        )?;
        self.dispatch_case(
            &mut seepage,
            Department::Engineering,
            Some(WANG),
            received + Duration::minutes(10),
        )?;
        self.handle_case(
            &mut seepage,
            WANG,
            "外墙打胶 Facade resealed",
            received + hours(20),
        )?;
        self.act(SUPERVISOR, &mut seepage, |c, e| {
            c.call_back(
                e,
                self.day(3, 11, 0),
                phone_callback(false, "下雨后仍渗水 Still seeps after rain"),
            )
        })?;

        // Handled three days late and never called back.
        let received = self.day(7, 9, 0);
        let mut water = self.open_case(
            complaint(
                "B3-0101",
                "邓先生 Mr Deng",
                "花园积水好几天 Standing water in the garden for days",
                "中心花园积水 Standing water in central garden",
                Department::Property,
            ),
            received,
        )?;
        self.dispatch_case(
            &mut water,
            Department::Property,
            None,
            received + Duration::minutes(30),
        )?;
        self.handle_case(
            &mut water,
            PATROL,
            "已疏通排水口 Drain cleared",
            self.day(4, 10, 0),
        )?;

        // Major: escalated to management at once, then handled.
        let received = self.day(1, 8, 0);
        let mut tiles = self.open_case(
            Case {
                seriousness: Seriousness::Major,
                ..complaint(
                    "B2 外墙 Facade",
                    "曹先生 Mr Cao",
                    "外墙瓷砖掉落差点砸到人 A facade tile fell and nearly hit someone",
                    "B2 外墙瓷砖脱落 B2 facade tiles falling",
                    Department::Engineering,
                )
            },
            received,
        )?;
        self.act(SUPERVISOR, &mut tiles, |c, e| {
            c.escalate(e, received + Duration::minutes(6), "公司总经理 Company GM")
        })?;
        self.dispatch_case(
            &mut tiles,
            Department::Engineering,
            Some(WANG),
            received + Duration::minutes(8),
        )?;
        self.handle_case(
            &mut tiles,
            WANG,
            "已拉警戒线并清除松动瓷砖 Cordoned off, loose tiles removed",
            received + hours(4),
        )?;
        Ok(())
    }

    /// Help requests: one unanswered (late), one solved at once, one
    /// reported to the head and answered in time, one answered late.
    pub(super) fn help_requests(&mut self) -> Result<(), DemoError> {
        let help = |unit, resident, heard, recorded, department, kind| Case {
            unit,
            resident,
            heard,
            recorded,
            department,
            seriousness: Seriousness::Ordinary,
            channel: Channel::HelpRequest(kind),
        };
        let minutes = Duration::minutes;

        self.open_case(
            help(
                "B3-0505",
                "韩女士 Ms Han",
                "明天几点停水？ When is the water off tomorrow?",
                "询问停水时间 Asks about the water cut",
                Department::Property,
                HelpKind::Enquiry,
            ),
            self.ago(12),
        )?;

        let received = self.day(1, 11, 0);
        let mut solved = self.open_case(
            help(
                "B1-0707",
                "冯先生 Mr Feng",
                "家里跳闸了 The breaker tripped",
                "B1-0707 跳闸 Breaker tripped",
                Department::Engineering,
                HelpKind::Repair,
            ),
            received,
        )?;
        self.act(DESK, &mut solved, |c, e| {
            c.answer(
                e,
                received + minutes(4),
                "指导住户复位空开 Talked through resetting it",
                true,
            )
        })?;

        let received = self.day(2, 21, 0);
        let mut theft = self.open_case(
            help(
                "B2 车棚 Bike shed",
                "程先生 Mr Cheng",
                "电动车被偷了 My e-bike was stolen",
                "B2 车棚电动车被盗 E-bike stolen from B2 shed",
                Department::Security,
                HelpKind::Crime(CrimeKind::Theft),
            ),
            received,
        )?;
        self.act(DESK, &mut theft, |c, e| {
            c.report_to_head(e, received + minutes(4), "保安队长 Security chief")
        })?;
        self.act(DESK, &mut theft, |c, e| {
            c.answer(
                e,
                received + minutes(9),
                "已调取监控并报警 CCTV pulled, police called",
                false,
            )
        })?;
        self.dispatch_case(
            &mut theft,
            Department::Security,
            None,
            received + minutes(10),
        )?;

        let received = self.day(4, 6, 0);
        let mut flood = self.open_case(
            help(
                "B1 地下室 Basement",
                "夜班保安 Night guard",
                "地下室进水 Water coming into the basement",
                "B1 地下室进水 B1 basement flooding",
                Department::Engineering,
                HelpKind::Disaster(DisasterKind::Flood),
            ),
            received,
        )?;
        self.act(NIGHT_DESK, &mut flood, |c, e| {
            c.report_to_head(e, received + minutes(5), "工程主管 Engineering supervisor")
        })?;
        self.act(NIGHT_DESK, &mut flood, |c, e| {
            c.answer(
                e,
                received + minutes(14),
                "抽水泵已启动 Pumps started",
                false,
            )
        })?;
        self.dispatch_case(
            &mut flood,
            Department::Engineering,
            Some(WANG),
            received + minutes(15),
        )?;
        self.handle_case(
            &mut flood,
            WANG,
            "排水完毕 Water pumped out",
            received + Duration::hours(2),
        )?;
        Ok(())
    }
}

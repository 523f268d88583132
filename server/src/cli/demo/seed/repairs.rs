//! The demo's repair sheets, from reported to called back, some late.

use chrono::{DateTime, Duration, Utc};
use stairwell_core::kinds::Satisfaction;
use stairwell_core::kinds::repair_sheet::{
    FeeLine, Intake as RepairIntake, MaterialCheck, MaterialResult, RepairSheet,
};
use stairwell_core::rules::{RepairLocation, Urgency};

use super::*;

pub(super) struct Repair<'a> {
    unit: &'a str,
    resident: &'a str,
    problem: &'a str,
    location: RepairLocation,
    on_price_list: bool,
    urgency: Urgency,
}

impl Seeder {
    pub(super) fn open_repair(
        &mut self,
        repair: Repair<'_>,
        reported: DateTime<Utc>,
    ) -> Result<RepairSheet, DemoError> {
        let intake = RepairIntake {
            resident_name: repair.resident.into(),
            unit: repair.unit.into(),
            phone: "138 0013 8000".into(),
            problem: repair.problem.into(),
            location: repair.location,
            on_price_list: repair.on_price_list,
            urgency: repair.urgency,
            appointment: None,
        };
        let sheet = RepairSheet::open(
            &self.editor(DESK)?,
            reported + Duration::minutes(2),
            ESTATE_ID,
            intake,
            reported,
            None,
        )?;
        self.create(DESK, &sheet)?;
        Ok(sheet)
    }

    /// Dispatch to `tech`, arrival, the resident's agreement where the unit
    /// pays, completion: the usual path, starting at `reported`.
    pub(super) fn work(
        &self,
        sheet: &mut RepairSheet,
        tech: &str,
        reported: DateTime<Utc>,
        item: &str,
    ) -> Result<DateTime<Utc>, DemoError> {
        let minutes = Duration::minutes;
        self.act(SUPERVISOR, sheet, |s, e| {
            s.dispatch(e, reported + minutes(5), tech)
        })?;
        self.act(tech, sheet, |s, e| s.arrive(e, reported + minutes(14)))?;
        let in_unit = sheet.view().intake.location == RepairLocation::InUnit;
        if in_unit {
            self.act(tech, sheet, |s, e| {
                s.confirm_items(
                    e,
                    reported + minutes(18),
                    vec![item.to_owned()],
                    "按价目表 Price list",
                )
            })?;
            self.act(tech, sheet, |s, e| s.agree(e, reported + minutes(20)))?;
            self.act(tech, sheet, |s, e| {
                s.add_fee_line(
                    e,
                    reported + minutes(40),
                    FeeLine {
                        description: item.to_owned(),
                        quantity: 1,
                        unit_price_cents: 5000,
                        from_price_list: true,
                    },
                )
            })?;
            self.act(tech, sheet, |s, e| {
                s.add_fee_line(
                    e,
                    reported + minutes(42),
                    FeeLine {
                        description: "配件 Parts".to_owned(),
                        quantity: 2,
                        unit_price_cents: 1550,
                        from_price_list: true,
                    },
                )
            })?;
        }
        let photo = self.photo(item)?;
        self.act(tech, sheet, |s, e| {
            s.attach_photo(e, reported + minutes(50), photo, "完工后 After the repair")
        })?;
        let done = reported + minutes(55);
        let resident = sheet.view().intake.resident_name;
        let signed = self.signature(&resident)?;
        self.act(tech, sheet, |s, e| {
            s.complete(
                e,
                done,
                vec![item.to_owned()],
                signed,
                Satisfaction::Satisfied,
            )
        })?;
        Ok(done)
    }

    pub(super) fn hand_back_and_return(
        &self,
        sheet: &mut RepairSheet,
        tech: &str,
        done: DateTime<Utc>,
    ) -> Result<(), DemoError> {
        self.act(tech, sheet, |s, e| {
            s.hand_back(e, done + Duration::hours(3))
        })?;
        self.act(SUPERVISOR, sheet, |s, e| {
            s.confirm_return(e, done + Duration::hours(4))
        })
    }

    /// Repair sheets in every state, some of them late.
    pub(super) fn repairs(&mut self) -> Result<(), DemoError> {
        let in_unit = |unit, resident, problem| Repair {
            unit,
            resident,
            problem,
            location: RepairLocation::InUnit,
            on_price_list: true,
            urgency: Urgency::Normal,
        };
        let minutes = Duration::minutes;

        // Reported 25 minutes ago and not yet passed to engineering: late.
        let reported = self.ago(25);
        self.open_repair(
            in_unit(
                "B3-1203",
                "刘女士 Ms Liu",
                "卫生间地漏反味 Floor drain smells",
            ),
            reported,
        )?;

        // Dispatched three hours ago; the technician has not arrived: late.
        let reported = self.ago(180);
        let mut sheet = self.open_repair(
            in_unit(
                "B1-0502",
                "孙先生 Mr Sun",
                "空调不制冷 Air conditioner not cooling",
            ),
            reported,
        )?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.dispatch(e, reported + minutes(6), WANG)
        })?;

        // Not on the price list: engineering quoted the fee.
        let reported = self.day(1, 14, 0);
        let mut sheet = self.open_repair(
            Repair {
                on_price_list: false,
                ..in_unit(
                    "B2-0801",
                    "周先生 Mr Zhou",
                    "更换防盗门锁芯 Replace security door lock cylinder",
                )
            },
            reported,
        )?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.dispatch(e, reported + minutes(5), LI)
        })?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.quote(
                e,
                reported + minutes(15),
                true,
                Some(18_000),
                "锁芯 C 级 Grade C cylinder",
            )
        })?;

        // On site now, items confirmed.
        let reported = self.ago(50);
        let mut sheet = self.open_repair(
            Repair {
                urgency: Urgency::Urgent,
                ..in_unit(
                    "B3-0304",
                    "吴女士 Ms Wu",
                    "厨房水管漏水 Kitchen pipe leaking",
                )
            },
            reported,
        )?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.dispatch(e, reported + minutes(4), WANG)
        })?;
        self.act(WANG, &mut sheet, |s, e| s.arrive(e, reported + minutes(14)))?;
        self.act(WANG, &mut sheet, |s, e| {
            s.confirm_items(
                e,
                reported + minutes(20),
                vec!["更换角阀 Replace angle valve".into()],
                "按价目表 Price list",
            )
        })?;

        // Agreed, with a fee line and the resident's own lamp checked.
        let reported = self.day(1, 10, 0);
        let mut sheet = self.open_repair(
            in_unit(
                "B1-1102",
                "郑先生 Mr Zheng",
                "更换吸顶灯 Replace ceiling lamp",
            ),
            reported,
        )?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.dispatch(e, reported + minutes(5), LI)
        })?;
        self.act(LI, &mut sheet, |s, e| s.arrive(e, reported + minutes(15)))?;
        self.act(LI, &mut sheet, |s, e| s.agree(e, reported + minutes(20)))?;
        self.act(LI, &mut sheet, |s, e| {
            s.add_fee_line(
                e,
                reported + minutes(25),
                FeeLine {
                    description: "灯具安装 Lamp fitting".into(),
                    quantity: 1,
                    unit_price_cents: 3000,
                    from_price_list: true,
                },
            )
        })?;
        self.act(LI, &mut sheet, |s, e| {
            s.check_material(
                e,
                reported + minutes(26),
                MaterialCheck {
                    material: "住户自购吸顶灯 Resident's own lamp".into(),
                    result: MaterialResult::Qualified,
                    note: "灯具有3C认证 The lamp carries its 3C mark".into(),
                },
            )
        })?;

        // Completed in a public area yesterday, never handed back: late.
        let reported = self.day(1, 16, 0);
        let mut sheet = self.open_repair(
            Repair {
                location: RepairLocation::PublicArea,
                on_price_list: false,
                ..in_unit(
                    "B2 大堂 Lobby",
                    "物业前台 Front desk",
                    "大堂门禁失灵 Lobby door access failing",
                )
            },
            reported,
        )?;
        self.work(&mut sheet, WANG, reported, "更换读卡器 Replace card reader")?;

        // Handed back, waiting for the supervisor.
        let reported = self.day(2, 9, 0);
        let mut sheet = self.open_repair(
            in_unit(
                "B3-0906",
                "冯女士 Ms Feng",
                "马桶水箱漏水 Toilet cistern leaking",
            ),
            reported,
        )?;
        let done = self.work(&mut sheet, WANG, reported, "更换进水阀 Replace inlet valve")?;
        self.act(WANG, &mut sheet, |s, e| {
            s.hand_back(e, done + Duration::hours(5))
        })?;

        // Returned; its callback is due within the month.
        let reported = self.day(5, 9, 0);
        let mut sheet = self.open_repair(
            in_unit("B1-0201", "陈先生 Mr Chen", "水龙头漏水 Dripping tap"),
            reported,
        )?;
        let done = self.work(&mut sheet, LI, reported, "更换水龙头 Replace tap")?;
        self.hand_back_and_return(&mut sheet, LI, done)?;

        // Called back, the resident satisfied.
        let reported = self.day(6, 10, 0);
        let mut sheet = self.open_repair(
            in_unit("B2-0403", "黄女士 Ms Huang", "插座无电 Socket dead"),
            reported,
        )?;
        let done = self.work(&mut sheet, WANG, reported, "更换插座 Replace socket")?;
        self.hand_back_and_return(&mut sheet, WANG, done)?;
        // Called back in person: the resident signed.
        let in_person = Callback {
            method: CallbackMethod::InPerson,
            signature: Some(self.signature("黄女士 Ms Huang")?),
            ..phone_callback(true, "使用正常 Works fine")
        };
        self.act(PATROL, &mut sheet, |s, e| {
            s.call_back(e, self.day(3, 15, 0), in_person)
        })?;

        // Called back, but the problem is back: to be called again.
        let reported = self.day(7, 11, 0);
        let mut sheet = self.open_repair(
            in_unit(
                "B3-0707",
                "林先生 Mr Lin",
                "阳台推拉门卡滞 Balcony sliding door sticks",
            ),
            reported,
        )?;
        let done = self.work(&mut sheet, LI, reported, "更换滑轮 Replace rollers")?;
        self.hand_back_and_return(&mut sheet, LI, done)?;
        let mut unsatisfied = phone_callback(false, "又卡住了 Sticking again");
        unsatisfied.follow_up_by = Some(self.now + Duration::days(2));
        self.act(DESK, &mut sheet, |s, e| {
            s.call_back(e, self.day(2, 15, 30), unsatisfied)
        })?;

        // Returned 40 days ago and never called back: overdue.
        let reported = self.day(40, 9, 30);
        let mut sheet = self.open_repair(
            in_unit(
                "B1-1201",
                "马女士 Ms Ma",
                "热水器不点火 Water heater will not light",
            ),
            reported,
        )?;
        let done = self.work(&mut sheet, WANG, reported, "更换点火针 Replace igniter")?;
        self.hand_back_and_return(&mut sheet, WANG, done)?;

        // Declined by the resident at the fee, and handed back.
        let reported = self.day(3, 9, 0);
        let mut sheet = self.open_repair(
            Repair {
                on_price_list: false,
                ..in_unit(
                    "B2-1001",
                    "杨先生 Mr Yang",
                    "客厅墙面重新粉刷 Repaint living room walls",
                )
            },
            reported,
        )?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.dispatch(e, reported + minutes(5), LI)
        })?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.quote(
                e,
                reported + minutes(12),
                true,
                Some(120_000),
                "两遍乳胶漆 Two coats",
            )
        })?;
        self.act(LI, &mut sheet, |s, e| s.arrive(e, reported + minutes(60)))?;
        let signed = self.signature("杨先生 Mr Yang")?;
        self.act(LI, &mut sheet, |s, e| {
            s.decline(e, reported + minutes(70), "费用太高 Fee too high", signed)
        })?;
        self.act(LI, &mut sheet, |s, e| {
            s.hand_back(e, reported + Duration::hours(6))
        })?;
        Ok(())
    }
}

//! The demo's duty logs: past days with a handover and a sign-off, and today's.

use chrono::{Duration, NaiveDate};
use stairwell_core::kinds::duty_log::{DutyLog, EntryCategory, EquipmentCount, Handover, NewEntry};
use stairwell_core::rules::duty_day::{duty_day_bounds, duty_day_of};
use stairwell_core::rules::local_time::sub_days;

use super::*;

impl Seeder {
    /// The last three duty days: two handed over (the older one signed off
    /// by the supervisor), and today's with an open follow-up.
    pub(super) fn duty_logs(&mut self) -> Result<(), DemoError> {
        let today = duty_day_of(self.now, self.tz);
        for days_ago in [2u64, 1] {
            let date = sub_days(today, days_ago);
            let signed = days_ago == 2;
            self.past_duty_log(date, signed)?;
        }
        self.current_duty_log(today)
    }

    pub(super) fn entry(text: &str, category: EntryCategory, follow_up: bool) -> NewEntry {
        NewEntry {
            text: text.to_owned(),
            category,
            important: false,
            follow_up,
        }
    }

    pub(super) fn past_duty_log(&mut self, date: NaiveDate, signed: bool) -> Result<(), DemoError> {
        let (start, end) = duty_day_bounds(date, self.tz);
        let minutes = Duration::minutes;
        let mut log = DutyLog::open_for_day(ESTATE_ID, date, self.tz)?;
        let desk = self.editor(DESK)?;
        log.append_entry(
            &desk,
            start + minutes(10),
            Self::entry(
                "接班，交接物品齐全 Took over, equipment complete",
                EntryCategory::Equipment,
                false,
            ),
        )?;
        log.append_entry(
            &desk,
            start + minutes(95),
            Self::entry(
                "B2-0403 报修插座无电，已开维修单 Socket repair sheet opened",
                EntryCategory::Call,
                false,
            ),
        )?;
        let parcel = log.append_entry(
            &desk,
            start + minutes(200),
            Self::entry(
                "快递柜故障，已报厂家 Parcel locker fault reported to vendor",
                EntryCategory::FollowUp,
                true,
            ),
        )?;
        log.close_follow_up(
            &desk,
            start + minutes(500),
            &parcel,
            "厂家已修复 Vendor fixed it",
        )?;
        let visit = log.append_entry(
            &desk,
            start + minutes(600),
            Self::entry(
                "B1-1201 住户来访询问物业费 Resident asked about fees",
                EntryCategory::Visit,
                true,
            ),
        )?;
        self.create(DESK, &log)?;
        let handover_at = start + Duration::hours(12);
        let (outgoing_signature, incoming_signature) = (
            self.signature("林晓 Lin Xiao")?,
            self.signature("何芳 He Fang")?,
        );
        self.act(DESK, &mut log, |l, e| {
            l.hand_over(
                e,
                handover_at,
                Handover {
                    outgoing: DESK.into(),
                    incoming: NIGHT_DESK.into(),
                    incoming_arrived_at: handover_at - minutes(5),
                    equipment: vec![
                        EquipmentCount {
                            item: "对讲机 Radios".into(),
                            expected: 6,
                            counted: 6,
                            note: String::new(),
                        },
                        EquipmentCount {
                            item: "手电筒 Torches".into(),
                            expected: 4,
                            counted: 3,
                            note: "一支借给巡逻 One lent to patrol".into(),
                        },
                    ],
                    acknowledged: vec![visit.clone()],
                    outgoing_signature,
                    incoming_signature,
                },
            )
        })?;
        self.act(NIGHT_DESK, &mut log, |l, e| {
            l.close_follow_up(
                e,
                handover_at + Duration::hours(1),
                &visit,
                "已回电说明 Called back with the answer",
            )
        })?;
        self.act(NIGHT_DESK, &mut log, |l, e| {
            l.append_entry(
                e,
                handover_at + Duration::hours(6),
                Self::entry(
                    "凌晨巡查无异常 Night check, all quiet",
                    EntryCategory::Other,
                    false,
                ),
            )
        })?;
        if signed {
            let sign = self.signature("陈静 Chen Jing")?;
            self.act(SUPERVISOR, &mut log, |l, e| {
                l.sign_off(e, end + minutes(15), sign, "已阅 Read")
            })?;
        }
        Ok(())
    }

    pub(super) fn current_duty_log(&mut self, date: NaiveDate) -> Result<(), DemoError> {
        let (start, _) = duty_day_bounds(date, self.tz);
        // Spread the entries over the part of the day that has passed.
        let span = (self.now - start).num_seconds().max(60);
        let at = |share: i64| start + Duration::seconds(span * share / 100);
        let mut log = DutyLog::open_for_day(ESTATE_ID, date, self.tz)?;
        let desk = self.editor(DESK)?;
        log.append_entry(
            &desk,
            at(5),
            Self::entry(
                "接班，对讲机 6 台齐全 Took over, 6 radios",
                EntryCategory::Equipment,
                false,
            ),
        )?;
        log.append_entry(
            &desk,
            at(40),
            Self::entry(
                "B3-0304 厨房漏水，已派王磊 Kitchen leak, Wang sent",
                EntryCategory::Call,
                false,
            ),
        )?;
        log.append_entry(
            &desk,
            at(80),
            Self::entry(
                "B2 外墙警戒线需每日检查 Check the B2 facade cordon daily",
                EntryCategory::FollowUp,
                true,
            ),
        )?;
        self.create(DESK, &log)?;
        Ok(())
    }
}

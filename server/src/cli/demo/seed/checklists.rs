//! The demo's checklist templates and checklists in every state.

use chrono::Duration;
use stairwell_core::kinds::checklist::{
    Checklist, ItemResult, MeterKind, MeterReading, Site, open_repair_from_item,
};
use stairwell_core::kinds::checklist_template::{
    ChecklistTemplate, RenovationStage, TemplateType, standard_items,
};
use stairwell_core::kinds::repair_sheet::Intake as RepairIntake;
use stairwell_core::rules::{RepairLocation, Urgency};

use super::*;

impl Seeder {
    pub(super) fn checklist_templates(&mut self) -> Result<Vec<ChecklistTemplate>, DemoError> {
        let kinds = [
            (
                "公共区域巡查表 Public area inspection",
                TemplateType::PublicAreaInspection,
            ),
            (
                "清洁检查记录 Cleaning inspection",
                TemplateType::CleaningInspection,
            ),
            (
                "装修验收 Renovation acceptance",
                TemplateType::RenovationAcceptance {
                    stage: RenovationStage::Formal,
                },
            ),
            ("收楼验房表 Unit handover", TemplateType::UnitHandover),
        ];
        let mut templates = Vec::new();
        for (minute, (name, kind)) in (0u32..).zip(kinds) {
            let template = ChecklistTemplate::define(
                &self.editor(SUPERVISOR)?,
                self.day(30, 9, 30 + minute),
                ESTATE_ID,
                name,
                kind,
                standard_items(kind),
            )?;
            self.create(SUPERVISOR, &template)?;
            templates.push(template);
        }
        Ok(templates)
    }

    /// A public-area inspection with a failed item that opened a repair, a
    /// clean cleaning inspection, a signed unit handover with a defect, and
    /// a renovation acceptance under way.
    pub(super) fn checklists(&mut self, templates: &[ChecklistTemplate]) -> Result<(), DemoError> {
        let [public_area, cleaning, renovation, handover] = templates else {
            return Err(DemoError::Seeding("four checklist templates expected"));
        };
        let patrol = self.editor(PATROL)?;
        let minutes = Duration::minutes;

        let start = self.day(1, 15, 0);
        let mut sheet = Checklist::start(
            &patrol,
            start,
            ESTATE_ID,
            public_area.plan(),
            Site::new("B3", "7F", None),
        )?;
        for (step, item) in (1i64..).zip(public_area.plan().items) {
            let (result, note) = if item.id == "lamps" {
                (
                    ItemResult::Fail,
                    "7楼消防通道灯不亮 Fire escape lamp dark on 7F",
                )
            } else {
                (ItemResult::Pass, "")
            };
            sheet.set_item(&patrol, start + minutes(step), &item.id, result, note)?;
        }
        sheet.sign(
            &patrol,
            start + minutes(12),
            self.signature("赵强 Zhao Qiang")?,
            None,
        )?;
        self.create(PATROL, &sheet)?;
        let intake = RepairIntake {
            resident_name: "物业巡逻 Patrol".into(),
            unit: "B3 7F 消防通道 Fire escape".into(),
            phone: "0755-2888 0000".into(),
            problem: "消防通道灯不亮 Fire escape lamp dark".into(),
            location: RepairLocation::PublicArea,
            on_price_list: false,
            urgency: Urgency::Normal,
            appointment: None,
        };
        let before = sheet.doc().heads();
        let repair =
            open_repair_from_item(&mut sheet, &patrol, start + minutes(14), "lamps", intake)?;
        self.push(PATROL, sheet.doc(), Some(&before))?;
        self.create(PATROL, &repair)?;
        self.act(PATROL, &mut sheet, |c, e| {
            c.complete(e, start + minutes(15))
        })?;

        let start = self.day(2, 16, 0);
        let mut sheet = Checklist::start(
            &patrol,
            start,
            ESTATE_ID,
            cleaning.plan(),
            Site::new("B1", "1F", None),
        )?;
        for (step, item) in (1i64..).zip(cleaning.plan().items) {
            let result = if item.id == "green_areas" {
                ItemResult::NotApplicable
            } else {
                ItemResult::Pass
            };
            sheet.set_item(&patrol, start + minutes(step), &item.id, result, "")?;
        }
        sheet.complete(&patrol, start + minutes(12))?;
        self.create(PATROL, &sheet)?;

        let sup = self.editor(SUPERVISOR)?;
        let start = self.day(3, 10, 0);
        let mut sheet = Checklist::start(
            &sup,
            start,
            ESTATE_ID,
            handover.plan(),
            Site::new("B3", "12F", Some("B3-1201")),
        )?;
        for (step, item) in (1i64..).zip(handover.plan().items) {
            let (result, note) = if step == 2 {
                (
                    ItemResult::Fail,
                    "客厅墙面裂缝 Crack in the living-room wall",
                )
            } else {
                (ItemResult::Pass, "")
            };
            sheet.set_item(&sup, start + minutes(step), &item.id, result, note)?;
            if step == 2 {
                let photo = self.photo("living-room wall crack")?;
                sheet.attach_photo(
                    &sup,
                    start + minutes(step),
                    Some(&item.id),
                    photo,
                    "裂缝 The crack",
                )?;
            }
        }
        for (meter, reading) in [
            (MeterKind::Electricity, "00012.4"),
            (MeterKind::Water, "0003.1"),
            (MeterKind::Gas, "0000.8"),
        ] {
            sheet.record_meter(
                &sup,
                start + minutes(20),
                MeterReading {
                    meter,
                    reading: reading.into(),
                    owner: "田女士 Ms Tian".into(),
                },
            )?;
        }
        sheet.sign(
            &sup,
            start + minutes(30),
            self.signature("陈静 Chen Jing")?,
            Some(self.signature("田女士 Ms Tian")?),
        )?;
        sheet.complete(&sup, start + minutes(31))?;
        self.create(SUPERVISOR, &sheet)?;

        let start = self.ago(90);
        let mut sheet = Checklist::start(
            &sup,
            start,
            ESTATE_ID,
            renovation.plan(),
            Site::new("B1", "9F", Some("B1-0901")),
        )?;
        for (step, item) in (1i64..).zip(renovation.plan().items.into_iter().take(3)) {
            sheet.set_item(&sup, start + minutes(step), &item.id, ItemResult::Pass, "")?;
        }
        self.create(SUPERVISOR, &sheet)?;
        Ok(())
    }
}

//! Records for the bench, made with the real verbs (every check the app
//! runs, every event a phone writes), fast: in memory, on every core, and
//! then stored or pushed in big batches.
//!
//! A "full" repair sheet goes the whole way, open to callback, with fee
//! lines, a material check and notes: 20 events, the history of a real
//! sheet (there several people write it; here one admin user and device
//! does every step, as the server allows an admin to, so one device can
//! make them all). A "small" one is just opened.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use stairwell_core::kinds::repair_sheet::{FeeLine, MaterialCheck, MaterialResult, RepairSheet};
use stairwell_core::kinds::{BlobHash, Callback, CallbackMethod, Satisfaction, Signature};
use stairwell_core::record::Editor;
use stairwell_core::rules::{RepairLocation, Urgency};

use crate::records::Clock;
use crate::server::ESTATE;

/// The bytes of the signature image every full sheet is signed with.
pub const SIGNATURE_BYTES: &[u8] = b"\x89PNG bench signature image";

/// The events of a full sheet.
pub const FULL_EVENTS: usize = 20;

fn intake(n: usize) -> stairwell_core::kinds::repair_sheet::Intake {
    stairwell_core::kinds::repair_sheet::Intake {
        resident_name: format!("李先生 {n}"),
        unit: format!("B{}-{:04}", n % 9 + 1, n % 3000),
        phone: format!("138 {:04} {:04}", n / 10_000 % 10_000, n % 10_000),
        problem: "厨房水龙头漏水 / kitchen tap leaking".into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Normal,
        appointment: None,
    }
}

/// A sheet just opened by `editor` (a front desk, a supervisor or admin).
pub fn small_sheet(editor: &Editor, clock: &Clock, n: usize) -> RepairSheet {
    small_sheet_in(editor, clock, n, ESTATE)
}

/// [`small_sheet`] in another estate.
pub fn small_sheet_in(editor: &Editor, clock: &Clock, n: usize, estate: &str) -> RepairSheet {
    RepairSheet::open(editor, clock.at(1), estate, intake(n), clock.at(0), None)
        .expect("open a sheet")
}

/// A sheet taken through its whole life by `editor`, who must be an admin
/// (every verb) and is the technician it is dispatched to: 20 events.
pub fn full_sheet(editor: &Editor, clock: &Clock, n: usize, signature: &BlobHash) -> RepairSheet {
    let me = editor;
    let user = editor.user.as_str();
    let mut sheet = small_sheet(editor, clock, n);
    let signed = |signer: &str| Signature::new(signature.clone(), signer).expect("a signature");
    let steps = (|| {
        sheet.dispatch(me, clock.at(2), user)?;
        sheet.add_note(me, clock.at(3), "resident asks to call before coming")?;
        sheet.arrive(me, clock.at(10))?;
        sheet.confirm_items(
            me,
            clock.at(11),
            vec!["tap cartridge".into(), "hose".into()],
            "price list 2025",
        )?;
        sheet.agree(me, clock.at(12))?;
        sheet.check_material(
            me,
            clock.at(13),
            MaterialCheck {
                material: "resident's own tap cartridge".into(),
                result: MaterialResult::Qualified,
                note: "brand new, fits".into(),
            },
        )?;
        for (minute, (what, cents)) in [
            ("replace tap cartridge", 3_000),
            ("replace hose", 1_500),
            ("labour", 2_000),
        ]
        .into_iter()
        .enumerate()
        {
            sheet.add_fee_line(
                me,
                clock.at(14 + minute as i64),
                FeeLine {
                    description: what.into(),
                    quantity: 1,
                    unit_price_cents: cents,
                    from_price_list: true,
                },
            )?;
        }
        for (minute, text) in [
            "old cartridge cracked",
            "valve under the sink stiff, freed it",
            "tested 5 minutes, no leak",
            "resident shown how to close the valve",
            "floor dried",
        ]
        .into_iter()
        .enumerate()
        {
            sheet.add_note(me, clock.at(20 + minute as i64), text)?;
        }
        sheet.complete(
            me,
            clock.at(30),
            vec!["tap cartridge".into(), "hose".into()],
            signed("李先生"),
            Satisfaction::Satisfied,
        )?;
        sheet.hand_back(me, clock.at(35))?;
        sheet.confirm_return(me, clock.at(40))?;
        sheet.call_back(
            me,
            clock.at(60),
            Callback {
                method: CallbackMethod::Phone,
                signature: None,
                satisfied: true,
                outcome: "no more leaks, thanks".into(),
                follow_up_by: None,
            },
        )?;
        sheet.add_note(me, clock.at(61), "closed")
    })();
    steps.expect("a full sheet's life");
    sheet
}

/// `make(n)` for `n` in `range`, on every core, in order.
pub fn make_parallel<T: Send>(
    range: std::ops::Range<usize>,
    make: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(range.start);
    let made: Mutex<Vec<(usize, T)>> = Mutex::new(Vec::with_capacity(range.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut mine = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= range.end {
                        break;
                    }
                    mine.push((n, make(n)));
                }
                made.lock().expect("made lock").extend(mine);
            });
        }
    });
    let mut made = made.into_inner().expect("made lock");
    made.sort_by_key(|(n, _)| *n);
    made.into_iter().map(|(_, value)| value).collect()
}

//! The front desk in the browser: open a repair sheet
//! (`/desk/repair/new`) or a complaint / help request
//! (`/desk/complaint/new`), and dispatch them (`POST
//! /records/{id}/dispatch`, the buttons on Today and on a record). Each is
//! the core's verb run as the signed-in user on the device
//! `console-<user>`, stored through the writer like a device push
//! ([`super::write`]), so it is validated the same way and phones receive
//! it at their next sync.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use stairwell_core::kinds::AnyRecord;
use stairwell_core::kinds::complaint::{
    Channel, Complaint, CrimeKind, Department, DisasterKind, FourClears, HelpKind,
    Intake as ComplaintIntake, Seriousness,
};
use stairwell_core::kinds::repair_sheet::{Intake as RepairIntake, RepairSheet};
use stairwell_core::record::{Role, Verb, may};
use stairwell_core::rules::local_time::local_instant;
use stairwell_core::rules::{RepairLocation, Urgency};

use super::html::{self, esc};
use super::login::local_path;
use super::session::{Ctx, PageError, Posted, blocking};
use super::write;
use crate::http::state::AppState;

/// Departments complaints go to, by their stored names.
pub const DEPARTMENTS: [&str; 4] = ["engineering", "security", "property", "mail"];
const URGENCIES: [&str; 3] = ["normal", "urgent", "extra_urgent"];
const SERIOUSNESS: [&str; 3] = ["ordinary", "important", "major"];
const CHANNELS: [&str; 14] = [
    "complaint",
    "medical_emergency",
    "repair",
    "help_complaint",
    "enquiry",
    "theft",
    "fight",
    "robbery",
    "poisoning",
    "traffic_accident",
    "typhoon",
    "flood",
    "fire",
    "other",
];

fn department(code: &str) -> Option<Department> {
    Some(match code {
        "engineering" => Department::Engineering,
        "security" => Department::Security,
        "property" => Department::Property,
        "mail" => Department::Mail,
        _ => return None,
    })
}

fn channel(code: &str) -> Option<Channel> {
    let help = |kind| Some(Channel::HelpRequest(kind));
    match code {
        "complaint" => Some(Channel::Complaint),
        "medical_emergency" => help(HelpKind::MedicalEmergency),
        "repair" => help(HelpKind::Repair),
        "help_complaint" => help(HelpKind::Complaint),
        "enquiry" => help(HelpKind::Enquiry),
        "other" => help(HelpKind::Other),
        "theft" => help(HelpKind::Crime(CrimeKind::Theft)),
        "fight" => help(HelpKind::Crime(CrimeKind::Fight)),
        "robbery" => help(HelpKind::Crime(CrimeKind::Robbery)),
        "poisoning" => help(HelpKind::Crime(CrimeKind::Poisoning)),
        "traffic_accident" => help(HelpKind::Crime(CrimeKind::TrafficAccident)),
        "typhoon" => help(HelpKind::Disaster(DisasterKind::Typhoon)),
        "flood" => help(HelpKind::Disaster(DisasterKind::Flood)),
        "fire" => help(HelpKind::Disaster(DisasterKind::Fire)),
        _ => None,
    }
}

/// A `datetime-local` value in the estate's zone; empty is `None`.
pub fn local_time(text: &str, tz: Tz) -> Result<Option<DateTime<Utc>>, PageError> {
    if text.is_empty() {
        return Ok(None);
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| Some(local_instant(naive, tz)))
        .ok_or_else(|| PageError::BadRequest(format!("not a time: {text}")))
}

fn may_open(ctx: &Ctx) -> Result<(), PageError> {
    if may(ctx.user.role, Verb::OpenRepairSheet) {
        Ok(())
    } else {
        Err(PageError::Forbidden(ctx.t("desk.not_allowed").to_owned()))
    }
}

fn text_input(ctx: &Ctx, name: &str, key: &str, value: &str, required: bool) -> String {
    format!(
        "<label>{}<input name=\"{name}\" id=\"{name}\" value=\"{}\"{}></label>",
        esc(ctx.t(key)),
        esc(value),
        if required { " required" } else { "" }
    )
}

fn select(ctx: &Ctx, name: &str, key: &str, codes: &[&str], selected: &str) -> String {
    let items: Vec<(String, String)> = codes
        .iter()
        .filter(|code| !code.is_empty())
        .map(|code| ((*code).to_owned(), html::vocab(ctx.lang, code)))
        .collect();
    format!(
        "<label>{}<select name=\"{name}\" id=\"{name}\">{}</select></label>",
        esc(ctx.t(key)),
        html::options(&items, selected)
    )
}

fn checkbox(ctx: &Ctx, name: &str, key: &str, checked: bool) -> String {
    format!(
        "<label class=\"check\"><input type=\"checkbox\" name=\"{name}\" id=\"{name}\"{}>{}</label>",
        if checked { " checked" } else { "" },
        esc(ctx.t(key))
    )
}

fn error_box(error: Option<&str>) -> String {
    error
        .map(|message| format!("<p class=\"error\" id=\"form-error\">{}</p>", esc(message)))
        .unwrap_or_default()
}

type Values<'a> = &'a dyn Fn(&str) -> String;

fn repair_form_html(
    ctx: &Ctx,
    technicians: &[(String, String)],
    value: Values<'_>,
    error: Option<&str>,
) -> String {
    let mut techs = vec![(String::new(), ctx.t("desk.no_dispatch").to_owned())];
    techs.extend(technicians.iter().cloned());
    format!(
        "{error}<form method=\"post\" action=\"/desk/repair/new\" class=\"stack\" id=\"repair-form\">{csrf}\
         {estate}{resident}{unit}{phone}{problem}{location}{urgency}{price}\
         <label>{appointment_label}<input type=\"datetime-local\" name=\"appointment\" value=\"{appointment}\"></label>\
         <label>{reported_label}<input type=\"datetime-local\" name=\"reported_at\" value=\"{reported}\"></label>\
         <label>{tech_label}<select name=\"technician\" id=\"technician\">{tech_options}</select></label>\
         <button type=\"submit\" id=\"open-repair\">{submit}</button></form>",
        error = error_box(error),
        csrf = html::csrf_field(ctx),
        estate = html::estate_select(ctx, &value("estate")),
        resident = text_input(
            ctx,
            "resident_name",
            "field.resident_name",
            &value("resident_name"),
            true
        ),
        unit = text_input(ctx, "unit", "field.unit", &value("unit"), true),
        phone = text_input(ctx, "phone", "field.phone", &value("phone"), true),
        problem = text_input(ctx, "problem", "field.problem", &value("problem"), true),
        location = select(
            ctx,
            "location",
            "field.location",
            &["in_unit", "public_area"],
            &value("location")
        ),
        urgency = select(
            ctx,
            "urgency",
            "field.urgency",
            &URGENCIES,
            &value("urgency")
        ),
        price = checkbox(
            ctx,
            "on_price_list",
            "field.on_price_list",
            value("on_price_list") == "on"
        ),
        appointment_label = esc(ctx.t("field.appointment")),
        appointment = esc(&value("appointment")),
        reported_label = esc(ctx.t("desk.reported_at")),
        reported = esc(&value("reported_at")),
        tech_label = esc(ctx.t("desk.dispatch_to")),
        tech_options = html::options(&techs, &value("technician")),
        submit = esc(ctx.t("desk.open_repair")),
    )
}

async fn technicians(state: &Arc<AppState>, ctx: &Ctx) -> Result<Vec<(String, String)>, PageError> {
    let estates = ctx.user.estates.clone();
    blocking(state, move |storage| {
        let mut all = Vec::new();
        for estate in &estates {
            all.extend(storage.console().staff(estate, Role::Technician)?);
        }
        all.sort();
        all.dedup();
        Ok(all)
    })
    .await
}

/// `GET /desk/repair/new`.
pub async fn repair_form(State(state): State<Arc<AppState>>, ctx: Ctx) -> Response {
    if let Err(err) = may_open(&ctx) {
        return err.into_response();
    }
    let technicians = match technicians(&state, &ctx).await {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    let body = repair_form_html(&ctx, &technicians, &|_| String::new(), None);
    html::shell(
        &ctx,
        "desk-repair",
        ctx.t("desk.repair_title"),
        false,
        &body,
    )
}

/// `POST /desk/repair/new`.
pub async fn repair_submit(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    match open_repair(&state, &posted).await {
        Ok(id) => Redirect::to(&format!("/records/{id}")).into_response(),
        Err(PageError::BadRequest(message)) => {
            let ctx = &posted.ctx;
            let technicians = technicians(&state, ctx).await.unwrap_or_default();
            let value = |name: &str| posted.get(name).to_owned();
            let body = repair_form_html(ctx, &technicians, &value, Some(&message));
            let mut response =
                html::shell(ctx, "desk-repair", ctx.t("desk.repair_title"), false, &body);
            *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            response
        }
        Err(err) => err.into_response(),
    }
}

async fn open_repair(state: &Arc<AppState>, posted: &Posted) -> Result<String, PageError> {
    let ctx = &posted.ctx;
    may_open(ctx)?;
    let estate = ctx.pick_estate(Some(posted.required("estate")?))?.clone();
    let now = ctx.now;
    let location = match posted.get("location") {
        "public_area" => RepairLocation::PublicArea,
        _ => RepairLocation::InUnit,
    };
    let urgency = match posted.get("urgency") {
        "extra_urgent" => Urgency::ExtraUrgent,
        "urgent" => Urgency::Urgent,
        _ => Urgency::Normal,
    };
    let intake = RepairIntake {
        resident_name: posted.get("resident_name").to_owned(),
        unit: posted.get("unit").to_owned(),
        phone: posted.get("phone").to_owned(),
        problem: posted.get("problem").to_owned(),
        location,
        on_price_list: posted.checked("on_price_list"),
        urgency,
        appointment: local_time(posted.get("appointment"), estate.tz)?,
    };
    let reported = local_time(posted.get("reported_at"), estate.tz)?
        .unwrap_or(now)
        .min(now);
    let editor = ctx.editor();
    let mut sheet = RepairSheet::open(&editor, now, &estate.id, intake, reported, None)
        .map_err(|err| write::refused(ctx, err))?;
    let technician = posted.get("technician");
    if !technician.is_empty() {
        sheet
            .dispatch(&editor, now, technician)
            .map_err(|err| write::refused(ctx, err))?;
    }
    write::store(state, ctx, sheet.doc(), None).await?;
    Ok(sheet.id().to_string())
}

fn complaint_form_html(ctx: &Ctx, value: Values<'_>, error: Option<&str>) -> String {
    let mut dispatch = vec![(String::new(), ctx.t("desk.no_dispatch").to_owned())];
    dispatch.extend(
        DEPARTMENTS
            .iter()
            .map(|code| ((*code).to_owned(), html::vocab(ctx.lang, code))),
    );
    format!(
        "{error}<form method=\"post\" action=\"/desk/complaint/new\" class=\"stack\" id=\"complaint-form\">{csrf}\
         {estate}{channel}{resident}{unit}{phone}{department}{seriousness}{serious}\
         <h2>{clears}</h2>{heard}{asked}{repeated}{recorded}{reported_to}\
         <label>{received_label}<input type=\"datetime-local\" name=\"received_at\" value=\"{received}\"></label>\
         <label>{dispatch_label}<select name=\"dispatch_to\">{dispatch_options}</select></label>\
         <button type=\"submit\" id=\"open-complaint\">{submit}</button></form>",
        error = error_box(error),
        csrf = html::csrf_field(ctx),
        estate = html::estate_select(ctx, &value("estate")),
        channel = select(
            ctx,
            "channel",
            "field.channel",
            &CHANNELS,
            &value("channel")
        ),
        resident = text_input(
            ctx,
            "resident_name",
            "field.resident_name",
            &value("resident_name"),
            true
        ),
        unit = text_input(ctx, "unit", "field.unit", &value("unit"), true),
        phone = text_input(ctx, "phone", "field.phone", &value("phone"), true),
        department = select(
            ctx,
            "department",
            "field.department",
            &DEPARTMENTS,
            &value("department")
        ),
        seriousness = select(
            ctx,
            "seriousness",
            "field.seriousness",
            &SERIOUSNESS,
            &value("seriousness")
        ),
        serious = checkbox(ctx, "serious", "field.serious", value("serious") == "on"),
        clears = esc(ctx.t("desk.four_clears")),
        heard = text_input(ctx, "heard", "field.heard", &value("heard"), true),
        asked = text_input(ctx, "asked", "field.asked", &value("asked"), true),
        repeated = checkbox(
            ctx,
            "repeated_back",
            "field.repeated_back",
            value("repeated_back") == "on"
        ),
        recorded = text_input(ctx, "recorded", "field.recorded", &value("recorded"), true),
        reported_to = text_input(
            ctx,
            "reported_to",
            "field.reported_to",
            &value("reported_to"),
            false
        ),
        received_label = esc(ctx.t("desk.received_at")),
        received = esc(&value("received_at")),
        dispatch_label = esc(ctx.t("desk.dispatch_to")),
        dispatch_options = html::options(&dispatch, &value("dispatch_to")),
        submit = esc(ctx.t("desk.open_complaint")),
    )
}

/// `GET /desk/complaint/new`.
pub async fn complaint_form(ctx: Ctx) -> Response {
    if let Err(err) = may_open(&ctx) {
        return err.into_response();
    }
    let body = complaint_form_html(&ctx, &|_| String::new(), None);
    html::shell(
        &ctx,
        "desk-complaint",
        ctx.t("desk.complaint_title"),
        false,
        &body,
    )
}

/// `POST /desk/complaint/new`.
pub async fn complaint_submit(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    match open_complaint(&state, &posted).await {
        Ok(id) => Redirect::to(&format!("/records/{id}")).into_response(),
        Err(PageError::BadRequest(message)) => {
            let ctx = &posted.ctx;
            let value = |name: &str| posted.get(name).to_owned();
            let body = complaint_form_html(ctx, &value, Some(&message));
            let mut response = html::shell(
                ctx,
                "desk-complaint",
                ctx.t("desk.complaint_title"),
                false,
                &body,
            );
            *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            response
        }
        Err(err) => err.into_response(),
    }
}

async fn open_complaint(state: &Arc<AppState>, posted: &Posted) -> Result<String, PageError> {
    let ctx = &posted.ctx;
    may_open(ctx)?;
    let estate = ctx.pick_estate(Some(posted.required("estate")?))?.clone();
    let now = ctx.now;
    let channel = channel(posted.get("channel"))
        .ok_or_else(|| PageError::BadRequest(ctx.t("error.bad_request").to_owned()))?;
    let seriousness = match posted.get("seriousness") {
        "important" => Seriousness::Important,
        "major" => Seriousness::Major,
        _ => Seriousness::Ordinary,
    };
    let intake = ComplaintIntake {
        resident_name: posted.get("resident_name").to_owned(),
        unit: posted.get("unit").to_owned(),
        phone: posted.get("phone").to_owned(),
        department: department(posted.get("department")).unwrap_or(Department::Property),
        seriousness,
        serious: posted.checked("serious"),
    };
    let reported_to = posted.get("reported_to");
    let clears = FourClears {
        heard: posted.get("heard").to_owned(),
        asked: posted.get("asked").to_owned(),
        repeated_back: posted.checked("repeated_back"),
        recorded: posted.get("recorded").to_owned(),
        reported_to: (!reported_to.is_empty()).then(|| reported_to.to_owned()),
    };
    let received = local_time(posted.get("received_at"), estate.tz)?
        .unwrap_or(now)
        .min(now);
    let editor = ctx.editor();
    let mut complaint =
        Complaint::open(&editor, now, &estate.id, intake, channel, clears, received)
            .map_err(|err| write::refused(ctx, err))?;
    if let Some(to) = department(posted.get("dispatch_to")) {
        complaint
            .dispatch(&editor, now, to, None)
            .map_err(|err| write::refused(ctx, err))?;
    }
    write::store(state, ctx, complaint.doc(), None).await?;
    Ok(complaint.id().to_string())
}

/// `POST /records/{id}/dispatch`: a repair sheet to `technician`, a
/// complaint to `department` (and optionally `person`).
pub async fn dispatch(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    match dispatch_record(&state, &id, &posted).await {
        Ok(()) => {
            let back = local_path(Some(posted.get("back")).filter(|back| !back.is_empty()));
            let back = if back == "/" && posted.get("back").is_empty() {
                format!("/records/{id}")
            } else {
                back
            };
            Redirect::to(&back).into_response()
        }
        Err(err) => err.into_response(),
    }
}

async fn dispatch_record(
    state: &Arc<AppState>,
    id: &str,
    posted: &Posted,
) -> Result<(), PageError> {
    let ctx = &posted.ctx;
    let mut loaded = write::load(state, ctx, id).await?;
    let editor = ctx.editor();
    let now = ctx.now;
    match &mut loaded.record {
        AnyRecord::RepairSheet(sheet) => {
            let technician = posted.required("technician")?;
            sheet
                .dispatch(&editor, now, technician)
                .map_err(|err| write::refused(ctx, err))?;
        }
        AnyRecord::Complaint(complaint) => {
            let to = department(posted.required("department")?)
                .ok_or_else(|| PageError::BadRequest(ctx.t("error.bad_request").to_owned()))?;
            let person = posted.get("person");
            complaint
                .dispatch(&editor, now, to, (!person.is_empty()).then_some(person))
                .map_err(|err| write::refused(ctx, err))?;
        }
        _ => return Err(PageError::BadRequest(ctx.t("error.bad_request").to_owned())),
    }
    write::store(state, ctx, loaded.record.doc(), Some(&loaded.heads)).await
}

//! HTML building blocks: escaping, the page shell (navigation, the inline
//! stylesheet, the served script, the language switch), and how times, durations
//! and rule names read on a page. Pages are plain strings built with
//! `format!`; everything that comes from a record or a user is escaped.

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use stairwell_core::rules::RuleId;

use super::messages::Lang;
use super::session::Ctx;

const CSS: &str = include_str!("console.css");
const SCRIPT: &str = include_str!("console.js");
/// Where the console's one script is served, from this binary.
pub const SCRIPT_PATH: &str = "/console.js";

/// No outside requests, no framing, and no inline script: the one script is
/// a file this binary serves, so an injected `<script>` or handler would not
/// run even if escaping ever failed.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
     script-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
     form-action 'self'; base-uri 'none'";

/// `GET /console.js`: the console's script, with the pages' headers.
pub async fn script() -> Response {
    let mut response = secure(SCRIPT.into_response());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    response
}

pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query value.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Headers every console page carries.
pub fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

fn head(lang: Lang, title: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · Stairwell</title><style>{CSS}</style></head>",
        lang.html_code(),
        esc(title)
    )
}

/// A page without navigation (sign-in, errors).
pub fn bare(lang: Lang, title: &str, body: &str) -> Response {
    let page = format!(
        "{}<body class=\"bare\"><main><h1>{}</h1>{body}</main></body></html>",
        head(lang, title),
        esc(title)
    );
    secure(Html(page).into_response())
}

/// The language switch: links to the other languages, back to `path`.
pub fn language_links(lang: Lang, path: &str) -> String {
    [Lang::Zh, Lang::En]
        .into_iter()
        .map(|other| {
            let label = esc(other.t("lang.name"));
            if other == lang {
                format!("<strong class=\"lang-current\">{label}</strong>")
            } else {
                format!(
                    "<a class=\"lang-switch\" id=\"lang-{}\" href=\"/lang/{}?back={}\">{label}</a>",
                    other.code(),
                    other.code(),
                    url_encode(path)
                )
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A full page: navigation, the user, the language switch, sign-out, and
/// `body`. With `live`, the part inside `<div id="live">` is fetched again
/// whenever the server announces a change to the user's estates.
pub fn shell(ctx: &Ctx, active: &str, title: &str, live: bool, body: &str) -> Response {
    let links = [
        ("today", "/", "nav.today"),
        ("coverage", "/coverage", "nav.coverage"),
        ("callbacks", "/callbacks", "nav.callbacks"),
        ("monthly", "/monthly", "nav.monthly"),
        ("duty", "/duty", "nav.duty"),
    ];
    let mut nav = String::new();
    for (name, href, key) in links {
        let class = if name == active {
            " class=\"active\""
        } else {
            ""
        };
        nav.push_str(&format!(
            "<a href=\"{href}\"{class} id=\"nav-{name}\">{}</a>",
            esc(ctx.t(key))
        ));
    }
    if stairwell_core::record::may(ctx.user.role, stairwell_core::record::Verb::OpenRepairSheet) {
        for (name, href, key) in [
            ("desk-repair", "/desk/repair/new", "nav.new_repair"),
            ("desk-complaint", "/desk/complaint/new", "nav.new_complaint"),
        ] {
            let class = if name == active {
                " class=\"active\""
            } else {
                ""
            };
            nav.push_str(&format!(
                "<a href=\"{href}\"{class} id=\"nav-{name}\">{}</a>",
                esc(ctx.t(key))
            ));
        }
    }
    if crate::accounts::admin::may_view(ctx.user.role) {
        let class = if active == "accounts" {
            " class=\"active\""
        } else {
            ""
        };
        nav.push_str(&format!(
            "<a href=\"/accounts\"{class} id=\"nav-accounts\">{}</a>",
            esc(ctx.t("nav.accounts"))
        ));
    }
    let role_key = format!("role.{}", ctx.user.role.as_str());
    let page = format!(
        "{head}<body data-live=\"{live}\"><header><span class=\"brand\">Stairwell</span>\
         <nav>{nav}</nav><span class=\"who\">{name} · {role}</span>\
         <span class=\"langs\">{langs}</span>\
         <form method=\"post\" action=\"/logout\" class=\"logout\">{csrf}\
         <button type=\"submit\" id=\"logout\">{logout}</button></form></header>\
         <main><h1>{title}</h1><p class=\"live-status\" id=\"live-status\" \
         data-updating=\"{updating}\" data-updated=\"{updated}\">{status}</p>\
         <div id=\"live\">{body}</div></main><script src=\"{SCRIPT_PATH}\"></script></body></html>",
        head = head(ctx.lang, title),
        live = if live { "1" } else { "0" },
        name = esc(&ctx.user.name),
        role = esc(ctx.t(&role_key)),
        langs = language_links(ctx.lang, &ctx.path),
        csrf = csrf_field(ctx),
        logout = esc(ctx.t("nav.logout")),
        title = esc(title),
        updating = esc(ctx.t("live.updating")),
        updated = esc(ctx.t("live.updated")),
        status = if live {
            esc(ctx.t("live.on"))
        } else {
            String::new()
        },
    );
    secure(Html(page).into_response())
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(ctx: &Ctx) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&ctx.csrf)
    )
}

/// A local time in the estate's zone, to the minute.
pub fn time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// A local time to the second, for histories.
pub fn time_exact(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// "2 d 3 h", "1 h 20 min", "5 min" (always positive).
pub fn duration(lang: Lang, delta: TimeDelta) -> String {
    let minutes = delta.num_minutes().unsigned_abs();
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(lang.tf("dur.days", &[&days.to_string()]));
    }
    if hours > 0 {
        parts.push(lang.tf("dur.hours", &[&hours.to_string()]));
    }
    if days == 0 && (mins > 0 || hours == 0) {
        parts.push(lang.tf("dur.minutes", &[&mins.to_string()]));
    }
    parts.join(" ")
}

/// Time left until `due` at `now`: "1 h 5 min left" or "late by 20 min".
pub fn time_left(lang: Lang, due: DateTime<Utc>, now: DateTime<Utc>) -> (String, bool) {
    let delta = due - now;
    if delta < TimeDelta::zero() {
        (lang.tf("time.late_by", &[&duration(lang, delta)]), true)
    } else {
        (lang.tf("time.left", &[&duration(lang, delta)]), false)
    }
}

/// The time left before `due`, or, past it, how late, marked as late.
pub fn time_left_html(lang: Lang, due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let (text, late) = time_left(lang, due, now);
    if late {
        format!("<span class=\"late-mark\">{}</span>", esc(&text))
    } else {
        esc(&text)
    }
}

/// The sentence naming a rule, in the page's language.
pub fn rule(lang: Lang, code: &str) -> String {
    let Some(rule) = RuleId::from_code(code) else {
        return code.to_owned();
    };
    match lang {
        Lang::En => rule.describe().to_owned(),
        Lang::Zh => lang
            .lookup(&format!("rule.{code}"))
            .unwrap_or(rule.describe())
            .to_owned(),
    }
}

/// `<option>`s, the one equal to `selected` selected.
pub fn options(items: &[(String, String)], selected: &str) -> String {
    items
        .iter()
        .map(|(value, label)| {
            let mark = if value == selected { " selected" } else { "" };
            format!(
                "<option value=\"{}\"{mark}>{}</option>",
                esc(value),
                esc(label)
            )
        })
        .collect()
}

/// The estate selector of per-estate pages, as a GET form field.
pub fn estate_select(ctx: &Ctx, selected: &str) -> String {
    let items: Vec<(String, String)> = ctx
        .estates
        .iter()
        .map(|estate| (estate.id.clone(), estate.name.clone()))
        .collect();
    format!(
        "<label>{} <select name=\"estate\">{}</select></label>",
        esc(ctx.t("filter.estate")),
        options(&items, selected)
    )
}

/// A value of the core's vocabulary (`extra_urgent`), named in the
/// page's language through the table (`vocab.extra_urgent`).
pub fn vocab(lang: Lang, code: &str) -> String {
    lang.lookup(&format!("vocab.{code}"))
        .map_or_else(|| code.replace('_', " "), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(url_encode("/records/1?a=b c"), "%2Frecords%2F1%3Fa%3Db%20c");
    }

    #[test]
    fn durations_read_shortly() {
        let en = Lang::En;
        assert_eq!(duration(en, TimeDelta::minutes(5)), "5 min");
        assert_eq!(duration(en, TimeDelta::minutes(80)), "1 h 20 min");
        assert_eq!(duration(en, TimeDelta::minutes(-60)), "1 h");
        assert_eq!(duration(en, TimeDelta::minutes(3 * 1440 + 61)), "3 d 1 h");
        assert_eq!(duration(Lang::Zh, TimeDelta::minutes(80)), "1小时 20分钟");
    }
}

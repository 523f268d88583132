//! Draws a kind's [`layout`](super::layout) over its folded view: labelled
//! values and tables, every value read for people (times in the estate's
//! zone, people by name, yuan with line totals and a total, thumbnails of
//! photos and signatures or a "pending upload" mark, links to the records
//! this one came from or led to). Rows without a value are left out, and
//! blocks with nothing to show.

use serde_json::Value;
use stairwell_core::record::RecordKind;
use stairwell_core::rules::money::format_yuan;

use super::Sheet;
use super::layout::{Block, Format, Row, layout_of};
use crate::console::html::{self, esc};

impl Sheet<'_> {
    /// The blocks of a record of `kind` whose folded view is `view`.
    pub fn render(&self, kind: RecordKind, view: &Value) -> String {
        layout_of(kind)
            .iter()
            .map(|block| self.block(block, view))
            .collect()
    }

    fn block(&self, block: &Block, view: &Value) -> String {
        match block {
            Block::Rows { title, rows } => self.rows(title, rows, view),
            Block::Table {
                title,
                at,
                columns,
                anchor,
                total,
            } => self.table(title, at, columns, *anchor, *total, view),
        }
    }

    fn rows(&self, title: &str, rows: &[Row], view: &Value) -> String {
        let shown: String = rows
            .iter()
            .filter_map(|row| {
                let value = self.value(row.format, at(view, row.at)?, view)?;
                Some(format!(
                    "<dt>{}</dt><dd data-field=\"{}\">{value}</dd>",
                    esc(self.lang.t(row.label)),
                    esc(row.label.trim_start_matches("field.")),
                ))
            })
            .collect();
        if shown.is_empty() {
            return String::new();
        }
        format!(
            "<section class=\"block\" id=\"{id}\"><h2>{title}</h2><dl class=\"fields\">{shown}</dl></section>",
            id = block_id(title),
            title = esc(self.lang.t(title)),
        )
    }

    fn table(
        &self,
        title: &str,
        pointer: &str,
        columns: &[Row],
        anchor: Option<&str>,
        total: bool,
        view: &Value,
    ) -> String {
        let Some(items) = at(view, pointer).and_then(Value::as_array) else {
            return String::new();
        };
        if items.is_empty() {
            return String::new();
        }
        let head: String = columns
            .iter()
            .map(|column| format!("<th>{}</th>", esc(self.lang.t(column.label))))
            .collect();
        let mut body = String::new();
        for item in items {
            let id = anchor
                .and_then(|pointer| at(item, pointer))
                .and_then(Value::as_str)
                .map(|id| format!(" id=\"item-{}\"", esc(id)))
                .unwrap_or_default();
            body.push_str(&format!("<tr{id}>"));
            for column in columns {
                let value = at(item, column.at)
                    .and_then(|value| self.value(column.format, value, item))
                    .unwrap_or_default();
                body.push_str(&format!(
                    "<td data-label=\"{}\">{value}</td>",
                    esc(self.lang.t(column.label))
                ));
            }
            body.push_str("</tr>");
        }
        let foot = if total {
            let sum: i64 = items.iter().filter_map(line_total).sum();
            format!(
                "<tfoot><tr><td colspan=\"{}\">{}</td><td class=\"money\" id=\"fee-total\">{}</td></tr></tfoot>",
                columns.len().saturating_sub(1),
                esc(self.lang.t("field.total")),
                esc(&yuan(sum)),
            )
        } else {
            String::new()
        };
        format!(
            "<section class=\"block\" id=\"{id}\"><h2>{title}</h2><div class=\"table-wrap\">\
             <table class=\"sheet cards\"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table></div></section>",
            id = block_id(title),
            title = esc(self.lang.t(title)),
        )
    }

    /// `value` read as `format`; `None` when there is nothing to show.
    /// `item` is the object the value sits in (a table's line).
    fn value(&self, format: Format, value: &Value, item: &Value) -> Option<String> {
        if is_empty(value) && !matches!(format, Format::Visit | Format::LineTotal) {
            return None;
        }
        let text = |text: String| Some(esc(&text));
        match format {
            Format::Text => text(scalar(value)),
            Format::Time => text(self.time(value)?),
            Format::Vocab => text(html::vocab(self.lang, &innermost(value)?)),
            Format::Bool => text(self.yes_no(value.as_bool()?).to_owned()),
            Format::Person => text(self.person(value.as_str()?)),
            Format::Money => text(yuan(value.as_i64()?)),
            Format::Place => text(self.place(value)),
            Format::List => text(
                value
                    .as_array()?
                    .iter()
                    .map(scalar)
                    .collect::<Vec<_>>()
                    .join(self.lang.t("list.separator")),
            ),
            Format::Items => text(
                value
                    .as_array()?
                    .iter()
                    .map(|id| self.field_label(&format!("item.{}", scalar(id))))
                    .collect::<Vec<_>>()
                    .join(self.lang.t("list.separator")),
            ),
            Format::Signature => Some(self.signature(value)?),
            Format::Photos => Some(self.photos(value)),
            Format::Record => Some(self.record_link(value)?),
            Format::Records => Some(
                value
                    .as_array()?
                    .iter()
                    .filter_map(|id| self.record_link(id))
                    .collect::<Vec<_>>()
                    .join("<br>"),
            ),
            Format::LineTotal => text(yuan(line_total(item)?)),
            Format::Visit => Some(self.visit(value)),
            Format::Plain => text(scalar(value)),
        }
    }

    fn time(&self, value: &Value) -> Option<String> {
        let at = chrono::DateTime::parse_from_rfc3339(value.as_str()?).ok()?;
        Some(html::time(at.with_timezone(&chrono::Utc), self.tz))
    }

    fn yes_no(&self, yes: bool) -> &'static str {
        self.lang.t(if yes { "value.yes" } else { "value.no" })
    }

    /// A user by name; an id the estate does not know (a phone's free
    /// text, a departed user) as it is.
    pub fn person(&self, id: &str) -> String {
        self.people.name(self.lang, id)
    }

    fn place(&self, value: &Value) -> String {
        ["building", "floor", "area"]
            .iter()
            .filter_map(|part| {
                let text = value.get(part)?.as_str()?.trim();
                (!text.is_empty()).then(|| self.lang.tf(&format!("place.{part}"), &[text]))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    fn signature(&self, value: &Value) -> Option<String> {
        let hash = value.get("blob")?.as_str()?;
        let signer = value.get("signer").and_then(Value::as_str).unwrap_or("");
        Some(self.image(hash, signer, true))
    }

    fn photos(&self, value: &Value) -> String {
        let one = |photo: &Value| match photo {
            Value::String(hash) => Some(self.image(hash, "", false)),
            Value::Object(_) => {
                let hash = photo.get("blob")?.as_str()?;
                let caption = photo.get("caption").and_then(Value::as_str).unwrap_or("");
                Some(self.image(hash, caption, false))
            }
            _ => None,
        };
        let figures: String = match value {
            Value::Array(photos) => photos.iter().filter_map(one).collect(),
            single => one(single).unwrap_or_default(),
        };
        format!("<div class=\"thumbs\">{figures}</div>")
    }

    /// A photo's or signature's thumbnail linking to the whole image, or,
    /// while the phone has not uploaded it yet, a mark saying so.
    fn image(&self, hash: &str, label: &str, signature: bool) -> String {
        let hash = hash.to_ascii_lowercase();
        let kind = if signature {
            "record.signature"
        } else {
            "record.photo"
        };
        let caption = if label.is_empty() {
            esc(self.lang.t(kind))
        } else {
            esc(label)
        };
        if !self.stored.contains(&hash) {
            return format!(
                "<figure class=\"thumb pending\" data-blob=\"{hash}\"><div class=\"pending-box\">{}</div>\
                 <figcaption>{caption}</figcaption></figure>",
                esc(self.lang.t("record.pending_upload")),
            );
        }
        format!(
            "<figure class=\"thumb\" data-blob=\"{hash}\"><a href=\"/records/{id}/blobs/{hash}\">\
             <img src=\"/records/{id}/blobs/{hash}/thumb\" alt=\"{caption}\" loading=\"lazy\"></a>\
             <figcaption>{caption}</figcaption></figure>",
            id = self.record,
        )
    }

    /// A link to another record, titled by it; a `{record, item}` link
    /// goes to the item's line on that record's page.
    fn record_link(&self, value: &Value) -> Option<String> {
        let (id, item) = match value {
            Value::String(id) => (id.as_str(), None),
            Value::Object(link) => (
                link.get("record")?.as_str()?,
                link.get("item").and_then(Value::as_str),
            ),
            _ => return None,
        };
        let title = self
            .titles
            .get(id)
            .cloned()
            .unwrap_or_else(|| self.lang.t("record.not_visible").to_owned());
        let anchor = item
            .map(|item| format!("#item-{}", esc(item)))
            .unwrap_or_default();
        Some(format!(
            "<a class=\"record-link\" href=\"/records/{}{anchor}\">{}</a>",
            esc(id),
            esc(&title)
        ))
    }

    /// A checkpoint's first visit: when, how and by whom, marked when out
    /// of order or repeated; "missed" when nobody came.
    fn visit(&self, visits: &Value) -> String {
        let Some(first) = visits.as_array().and_then(|visits| visits.first()) else {
            return format!(
                "<span class=\"bad missed\">{}</span>",
                esc(self.lang.t("record.missed"))
            );
        };
        let mut parts = vec![
            self.time(first.get("at").unwrap_or(&Value::Null))
                .unwrap_or_default(),
        ];
        if let Some(method) = first.get("method").and_then(Value::as_str) {
            parts.push(html::vocab(self.lang, method));
        }
        if let Some(user) = first.get("user").and_then(Value::as_str) {
            parts.push(self.person(user));
        }
        let mut out = esc(&parts.join(" · "));
        if first.get("in_order") == Some(&Value::Bool(false)) {
            out.push_str(&format!(
                " <span class=\"tag urgent\">{}</span>",
                esc(self.lang.t("record.out_of_order"))
            ));
        }
        let count = visits.as_array().map_or(0, Vec::len);
        if count > 1 {
            out.push_str(&format!(
                " <span class=\"muted\">{}</span>",
                esc(&self.lang.tf("record.visits_n", &[&count.to_string()]))
            ));
        }
        out
    }
}

impl Sheet<'_> {
    /// The label of a field as the record stores it: `field.<name>` in the
    /// messages table; a checklist's `item.<id>` by the item's own label,
    /// its `meter.<kind>` by the meter's name.
    pub fn field_label(&self, name: &str) -> String {
        if let Some(item) = name.strip_prefix("item.")
            && let Some(label) = self.items.get(item)
        {
            return label.clone();
        }
        if let Some(meter) = name.strip_prefix("meter.") {
            return html::vocab(self.lang, meter);
        }
        self.lang
            .lookup(&format!("field.{name}"))
            .map_or_else(|| name.replace('_', " "), str::to_owned)
    }

    /// A stored value as one line of text: times in the estate's zone,
    /// codes translated, an object as its labelled non-empty parts.
    pub fn plain(&self, value: &Value) -> String {
        match value {
            Value::Null => "—".to_owned(),
            Value::Bool(yes) => self.yes_no(*yes).to_owned(),
            Value::Number(number) => number.to_string(),
            Value::String(text) => self
                .time(value)
                .unwrap_or_else(|| html::vocab(self.lang, text)),
            Value::Array(items) => items
                .iter()
                .map(|item| self.plain(item))
                .collect::<Vec<_>>()
                .join(self.lang.t("list.separator")),
            Value::Object(map) => map
                .iter()
                .filter(|(_, inner)| !is_empty(inner))
                .map(|(key, inner)| format!("{}: {}", self.field_label(key), self.plain(inner)))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// The value at a JSON pointer; the empty pointer is the value itself.
fn at<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    value.pointer(pointer)
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The code inside a tagged value: `{"help_request": {"crime": "theft"}}`
/// reads as `theft`.
fn innermost(value: &Value) -> Option<String> {
    match value {
        Value::String(code) => Some(code.clone()),
        Value::Object(map) if map.len() == 1 => {
            let (tag, inner) = map.iter().next()?;
            innermost(inner).or_else(|| Some(tag.clone()))
        }
        _ => None,
    }
}

fn line_total(line: &Value) -> Option<i64> {
    let quantity = line.get("quantity")?.as_i64()?;
    let unit = line.get("unit_price_cents")?.as_i64()?;
    quantity.checked_mul(unit)
}

pub(super) fn yuan(fen: i64) -> String {
    format!("¥{}", format_yuan(fen))
}

fn block_id(title: &str) -> String {
    title.replace(['.', '_'], "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_codes_read_as_their_innermost_word() {
        let crime = serde_json::json!({"help_request": {"crime": "theft"}});
        assert_eq!(innermost(&crime).as_deref(), Some("theft"));
        assert_eq!(
            innermost(&serde_json::json!("complaint")).as_deref(),
            Some("complaint")
        );
    }

    #[test]
    fn a_line_totals_its_quantity_times_its_price() {
        let line = serde_json::json!({"quantity": 3, "unit_price_cents": 4500});
        assert_eq!(line_total(&line), Some(13_500));
        assert_eq!(yuan(13_500), "¥135.00");
    }
}

//! What a record page shows of each kind, as plain data: blocks in the
//! order the procedure fills them (docs/DOMAIN.md), each row a label from
//! the messages table, where the value sits in the kind's folded view (a
//! JSON pointer into its serialisation) and how it reads (a time in the
//! estate's zone, a person by name, yuan, a photo's thumbnail, a link to
//! another record). A reader of the page and a maintainer read the same
//! list; [`super::render`] draws any of them.

use stairwell_core::record::RecordKind;

/// How a value reads on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    /// An instant, in the estate's zone.
    Time,
    /// A code of the core's vocabulary, translated.
    Vocab,
    Bool,
    /// A user id, shown by name.
    Person,
    /// Fen, shown as yuan.
    Money,
    /// A `{building, floor, area}` place.
    Place,
    /// A list of texts.
    List,
    /// A list of a checklist's item ids, shown by their labels.
    Items,
    /// A `{blob, signer}`: the image's thumbnail and who signed.
    Signature,
    /// A list of photo hashes, or of `{blob, caption}`.
    Photos,
    /// A record id, as a link titled by that record.
    Record,
    /// A list of record ids, as links.
    Records,
    /// A fee line's quantity × unit price, in yuan.
    LineTotal,
    /// A checkpoint's first visit (time, method, officer), or "missed".
    Visit,
    /// Anything else, as plain text.
    Plain,
}

/// One labelled value: `at` is a JSON pointer into the view (or into a
/// table's row).
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub label: &'static str,
    pub at: &'static str,
    pub format: Format,
}

const fn row(label: &'static str, at: &'static str, format: Format) -> Row {
    Row { label, at, format }
}

/// A part of the page.
#[derive(Debug, Clone, Copy)]
pub enum Block {
    /// Labelled values.
    Rows {
        title: &'static str,
        rows: &'static [Row],
    },
    /// A list in the view, one line per item; `anchor` (a pointer into
    /// the item) gives each line an id other records link to; `total`
    /// sums the line totals below the table.
    Table {
        title: &'static str,
        at: &'static str,
        columns: &'static [Row],
        anchor: Option<&'static str>,
        total: bool,
    },
}

use Format::*;

const REPAIR: &[Block] = &[
    Block::Rows {
        title: "section.intake",
        rows: &[
            row("field.resident_name", "/intake/resident_name", Text),
            row("field.unit", "/intake/unit", Text),
            row("field.phone", "/intake/phone", Text),
            row("field.problem", "/intake/problem", Text),
            row("field.location", "/intake/location", Vocab),
            row("field.on_price_list", "/intake/on_price_list", Bool),
            row("field.urgency", "/intake/urgency", Vocab),
            row("field.appointment", "/intake/appointment", Time),
            row("field.reported_at", "/reported_at", Time),
            row("field.opened_at", "/opened_at", Time),
            row("field.source", "/source", Record),
        ],
    },
    Block::Rows {
        title: "section.dispatch",
        rows: &[
            row("field.technician", "/technician", Person),
            row("field.dispatched_at", "/dispatched_at", Time),
            row("field.feasible", "/quote/feasible", Bool),
            row("field.quoted_fee", "/quote/fee_cents", Money),
            row("field.quote_note", "/quote/note", Text),
            row("field.quoted_at", "/quote/at", Time),
        ],
    },
    Block::Rows {
        title: "section.on_site",
        rows: &[
            row("field.arrived_at", "/arrived_at", Time),
            row("field.confirmed_items", "/confirmed_items/0", List),
            row("field.fee_standard", "/confirmed_items/1", Text),
            row("field.agreed_at", "/agreed_at", Time),
            row("field.declined_reason", "/declined/reason", Text),
            row("field.declined_signature", "/declined/signature", Signature),
            row("field.declined_at", "/declined/at", Time),
        ],
    },
    Block::Table {
        title: "section.fee_lines",
        at: "/fee_lines",
        columns: &[
            row("field.description", "/description", Text),
            row("field.quantity", "/quantity", Text),
            row("field.unit_price", "/unit_price_cents", Money),
            row("field.from_price_list", "/from_price_list", Bool),
            row("field.line_total", "", LineTotal),
        ],
        anchor: None,
        total: true,
    },
    Block::Table {
        title: "section.materials",
        at: "/materials",
        columns: &[
            row("field.material", "/material", Text),
            row("field.result", "/result", Vocab),
            row("field.note", "/note", Text),
        ],
        anchor: None,
        total: false,
    },
    Block::Rows {
        title: "section.completion",
        rows: &[
            row("field.items_repaired", "/completion/items_repaired", List),
            row("field.satisfaction", "/completion/satisfaction", Vocab),
            row(
                "field.resident_signature",
                "/completion/signature",
                Signature,
            ),
            row("field.completed_at", "/completion/at", Time),
            row("field.handed_back_at", "/handed_back_at", Time),
            row("field.returned_at", "/returned_at", Time),
        ],
    },
    CALLBACKS,
    NOTES,
    PHOTOS,
];

const CALLBACKS: Block = Block::Table {
    title: "section.callbacks",
    at: "/callbacks",
    columns: &[
        row("field.at", "/at", Time),
        row("field.by", "/user", Person),
        row("field.method", "/method", Vocab),
        row("field.satisfied", "/satisfied", Bool),
        row("field.outcome", "/outcome", Text),
        row("field.follow_up_by", "/follow_up_by", Time),
        row("field.resident_signature", "/signature", Signature),
    ],
    anchor: None,
    total: false,
};

const NOTES: Block = Block::Table {
    title: "section.notes",
    at: "/notes",
    columns: &[
        row("field.at", "/at", Time),
        row("field.by", "/user", Person),
        row("field.text", "/text", Text),
    ],
    anchor: None,
    total: false,
};

const PHOTOS: Block = Block::Table {
    title: "section.photos",
    at: "/photos",
    columns: &[
        row("field.photo", "", Photos),
        row("field.by", "/user", Person),
        row("field.at", "/at", Time),
    ],
    anchor: None,
    total: false,
};

const COMPLAINT: &[Block] = &[
    Block::Rows {
        title: "section.intake",
        rows: &[
            row("field.channel", "/channel", Vocab),
            row("field.resident_name", "/intake/resident_name", Text),
            row("field.unit", "/intake/unit", Text),
            row("field.phone", "/intake/phone", Text),
            row("field.department", "/intake/department", Vocab),
            row("field.seriousness", "/intake/seriousness", Vocab),
            row("field.serious", "/intake/serious", Bool),
            row("field.received_at", "/received_at", Time),
            row("field.opened_at", "/opened_at", Time),
            row("field.duplicate_of", "/duplicate_of", Record),
        ],
    },
    Block::Rows {
        title: "section.four_clears",
        rows: &[
            row("field.heard", "/clears/heard", Text),
            row("field.asked", "/clears/asked", Text),
            row("field.repeated_back", "/clears/repeated_back", Bool),
            row("field.recorded", "/clears/recorded", Text),
            row("field.reported_to", "/clears/reported_to", Text),
        ],
    },
    Block::Table {
        title: "section.dispatches",
        at: "/dispatches",
        columns: &[
            row("field.at", "/at", Time),
            row("field.department", "/department", Vocab),
            row("field.person", "/person", Person),
            row("field.by", "/user", Person),
        ],
        anchor: None,
        total: false,
    },
    Block::Rows {
        title: "section.escalation",
        rows: &[
            row("field.escalated_to", "/escalation/to", Text),
            row("field.escalated_at", "/escalation/at", Time),
            row("field.head", "/head_report/head", Text),
            row("field.reported_to_head_at", "/head_report/at", Time),
        ],
    },
    Block::Table {
        title: "section.answers",
        at: "/answers",
        columns: &[
            row("field.at", "/at", Time),
            row("field.reply", "/reply", Text),
            row("field.solved", "/solved", Bool),
            row("field.by", "/user", Person),
        ],
        anchor: None,
        total: false,
    },
    Block::Table {
        title: "section.handlings",
        at: "/handlings",
        columns: &[
            row("field.handled_at", "/handled_at", Time),
            row("field.action", "/action", Text),
            row("field.by", "/user", Person),
            row("field.recorded_at", "/recorded_at", Time),
        ],
        anchor: None,
        total: false,
    },
    Block::Rows {
        title: "section.sign_off",
        rows: &[
            row("field.rating", "/sign_off/rating", Vocab),
            row("field.resident_signature", "/sign_off/signature", Signature),
            row("field.signed_at", "/sign_off/at", Time),
        ],
    },
    CALLBACKS,
];

const PATROL: &[Block] = &[
    Block::Rows {
        title: "section.round",
        rows: &[
            row("field.route", "/route", Record),
            row("field.route_version", "/route_version", Text),
            row("field.officer", "/officer", Person),
            row("field.started_at", "/started_at", Time),
            row("field.finished_at", "/finished_at", Time),
            row("field.in_order", "/in_order", Bool),
        ],
    },
    Block::Table {
        title: "section.route",
        at: "/checkpoints",
        columns: &[
            row("field.checkpoint", "/checkpoint/code", Text),
            row("field.place", "/checkpoint", Place),
            row("field.place_kind", "/checkpoint/place", Vocab),
            row("field.visit", "/visits", Visit),
        ],
        anchor: None,
        total: false,
    },
    Block::Table {
        title: "section.findings",
        at: "/findings",
        columns: &[
            row("field.category", "/category", Vocab),
            row("field.description", "/description", Text),
            row("field.place", "/location", Place),
            row("field.photo", "/photos", Photos),
            row("field.repairs", "/repairs", Records),
            row("field.by", "/user", Person),
            row("field.at", "/at", Time),
        ],
        anchor: Some("/id"),
        total: false,
    },
    NOTES,
    PHOTOS,
];

const CHECKLIST: &[Block] = &[
    Block::Rows {
        title: "section.checklist",
        rows: &[
            row("field.title", "/title", Text),
            row("field.template_type", "/template_type", Vocab),
            row("field.template", "/template", Record),
            row("field.template_version", "/template_version", Text),
            row("field.building", "/site/building", Text),
            row("field.floor", "/site/floor", Text),
            row("field.unit", "/site/unit", Text),
            row("field.inspector", "/inspector", Person),
            row("field.started_at", "/started_at", Time),
            row("field.completed_at", "/completed_at", Time),
            row(
                "field.key_retained_by_office",
                "/key_retained_by_office",
                Bool,
            ),
        ],
    },
    Block::Table {
        title: "section.items",
        at: "/items",
        columns: &[
            row("field.section", "/section", Text),
            row("field.item", "/label", Text),
            row("field.result", "/answer/value/result", Vocab),
            row("field.note", "/answer/value/note", Text),
            row("field.photo", "/photos", Photos),
            row("field.repairs", "/repairs", Records),
        ],
        anchor: Some("/id"),
        total: false,
    },
    Block::Table {
        title: "section.meters",
        at: "/meters",
        columns: &[
            row("field.meter", "/value/meter", Vocab),
            row("field.reading", "/value/reading", Text),
            row("field.owner", "/value/owner", Text),
            row("field.by", "/user", Person),
        ],
        anchor: None,
        total: false,
    },
    Block::Rows {
        title: "section.signing",
        rows: &[
            row("field.staff_signature", "/signing/staff", Signature),
            row("field.owner_signature", "/signing/owner", Signature),
            row("field.defects", "/signing/defects", Items),
            row("field.signed_at", "/signing/at", Time),
        ],
    },
    NOTES,
    PHOTOS,
];

const ROUTE: &[Block] = &[
    Block::Rows {
        title: "section.template",
        rows: &[
            row("field.name", "/name", Text),
            row("field.version", "/version", Text),
        ],
    },
    Block::Table {
        title: "section.checkpoints",
        at: "/checkpoints",
        columns: &[
            row("field.checkpoint", "/code", Text),
            row("field.place", "", Place),
            row("field.place_kind", "/place", Vocab),
        ],
        anchor: None,
        total: false,
    },
];

const CHECKLIST_TEMPLATE: &[Block] = &[
    Block::Rows {
        title: "section.template",
        rows: &[
            row("field.name", "/name", Text),
            row("field.template_type", "/template_type", Vocab),
            row("field.version", "/version", Text),
        ],
    },
    Block::Table {
        title: "section.items",
        at: "/items",
        columns: &[
            row("field.section", "/section", Text),
            row("field.item", "/label", Text),
        ],
        anchor: None,
        total: false,
    },
];

/// The duty log's own page (`/duty`) shows its entries and handovers; its
/// record page gives the day and the counts.
const DUTY_LOG: &[Block] = &[Block::Rows {
    title: "section.duty_log",
    rows: &[
        row("field.day_start", "/day_start", Time),
        row("field.entry_count", "/entry_count", Text),
    ],
}];

/// The blocks of a kind's record page.
pub fn layout_of(kind: RecordKind) -> &'static [Block] {
    match kind {
        RecordKind::RepairSheet => REPAIR,
        RecordKind::Complaint => COMPLAINT,
        RecordKind::PatrolRound => PATROL,
        RecordKind::Checklist => CHECKLIST,
        RecordKind::RouteTemplate => ROUTE,
        RecordKind::ChecklistTemplate => CHECKLIST_TEMPLATE,
        RecordKind::DutyLog => DUTY_LOG,
    }
}

/// Every title and label of every kind, for the checks of the messages
/// table.
pub fn every_label() -> Vec<&'static str> {
    let kinds = [
        REPAIR,
        COMPLAINT,
        PATROL,
        CHECKLIST,
        ROUTE,
        CHECKLIST_TEMPLATE,
        DUTY_LOG,
    ];
    let mut labels = Vec::new();
    for block in kinds.into_iter().flatten() {
        let (title, rows) = match block {
            Block::Rows { title, rows } => (title, rows),
            Block::Table { title, columns, .. } => (title, columns),
        };
        labels.push(*title);
        labels.extend(rows.iter().map(|row| row.label));
    }
    labels
}

//! The users screen: a table that fills in the background and is usable while it does.
//! Three key tables: browsing, typing a filter, and the export prompt.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ratatui::crossterm::event::KeyEvent;

use ploy_core::connector::okta::Progress;
use ploy_core::entitlements::{Entitlements, Kind};
use ploy_core::files::Replace;
use ploy_core::integration::Integration;
use ploy_core::users::{
    Column, ExportFormat, Sorted, User, UserRef, UserStatus, UserTable, holders_filter,
};

use crate::tui::bindings::{
    BACK_HOME, Binding, DOWN, END, ENTER, ESC, HELP, HOME, Key, PGDN, PGUP, QUIT, Shown, TAB,
    Table, UP, lookup,
};
use crate::tui::input::TextField;
use crate::tui::msg::{Action, Effect, ExportFailure, Go, Reply, Written};
use crate::tui::notice::Notice;

pub struct ExportPrompt {
    pub format: ExportFormat,
    pub path: TextField,
    /// The file exists and Enter was pressed once: the next Enter replaces it.
    pub replace: bool,
    /// Being written: the dialog stays until the file is complete (or the write failed).
    pub writing: bool,
    /// Why the last write failed; the dialog stays open so the name can be changed.
    pub error: Option<String>,
}

/// A mouse click on the users screen, as the view's layout places it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Header(Column),
    Row(usize),
    Nothing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Down,
    Up,
    PageDown,
    PageUp,
    First,
    Last,
    Details,
    CloseDetails,
    Filter,
    Sort,
    Reverse,
    Export,
    Back,
    Help,
    Quit,
    KeepFilter,
    ClearFilter,
    /// Leaves the filter and moves the selection.
    FilterMove(Move),
    SwitchFormat,
    Write,
    CancelExport,
    DetailsDown,
    DetailsUp,
    Catalogue,
    CatalogueDown,
    CatalogueUp,
    CataloguePageDown,
    CataloguePageUp,
    Holders,
    CloseCatalogue,
}

/// Where reading entitlements is.
#[derive(Debug, Clone, PartialEq)]
pub enum EntitlementState {
    /// The users come first.
    Waiting,
    Reading(Option<Progress>),
    Done,
    Failed(Box<Notice>),
}

/// The entitlements view: every group, app, role and access level with how many hold it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    /// (catalogue index, holders), groups first, then apps, roles, access levels; by name.
    pub rows: Vec<(u32, u32)>,
    pub selected: usize,
    pub offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Down,
    Up,
    PageDown,
    PageUp,
}

use Command as C;

pub const BROWSE_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[DOWN, Key::Char('j')],
        footer: None,
        help: "next user",
        command: C::Down,
    },
    Binding {
        keys: &[UP, Key::Char('k')],
        footer: None,
        help: "previous user",
        command: C::Up,
    },
    Binding {
        keys: &[PGDN],
        footer: None,
        help: "a screen down",
        command: C::PageDown,
    },
    Binding {
        keys: &[PGUP],
        footer: None,
        help: "a screen up",
        command: C::PageUp,
    },
    Binding {
        keys: &[HOME, Key::Char('g')],
        footer: None,
        help: "first user",
        command: C::First,
    },
    Binding {
        keys: &[END, Key::Char('G')],
        footer: None,
        help: "last user",
        command: C::Last,
    },
    Binding {
        keys: &[Key::Char('/')],
        footer: Some("filter"),
        help: "filter: name, email, login, status; terms group:, app:, role:, access:, status:",
        command: C::Filter,
    },
    Binding {
        keys: &[Key::Char('s')],
        // The header shows the sorted column and takes clicks; the footer keeps room for
        // Esc home at 80 columns.
        footer: None,
        help: "sort by the next column (or click a header)",
        command: C::Sort,
    },
    Binding {
        keys: &[Key::Char('S')],
        footer: None,
        help: "reverse the sort",
        command: C::Reverse,
    },
    Binding {
        keys: &[ESC],
        footer: Some("close"),
        help: "close the details",
        command: C::CloseDetails,
    },
    Binding {
        keys: &[Key::Char(']')],
        footer: None,
        help: "scroll the details down",
        command: C::DetailsDown,
    },
    Binding {
        keys: &[Key::Char('[')],
        footer: None,
        help: "scroll the details up",
        command: C::DetailsUp,
    },
    Binding {
        keys: &[Key::Char('E')],
        footer: Some("access"),
        help: "groups, apps, roles and access levels, with who holds each",
        command: C::Catalogue,
    },
    Binding {
        keys: &[ENTER],
        footer: Some("details"),
        help: "details of the selected user",
        command: C::Details,
    },
    Binding {
        keys: &[Key::Char('x')],
        footer: Some("export"),
        help: "export the shown users to CSV or JSON",
        command: C::Export,
    },
    BACK_HOME.with(C::Back),
    HELP.with(C::Help),
    QUIT.with(C::Quit),
];

/// The entitlements view.
pub const CATALOGUE_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[DOWN, Key::Char('j')],
        footer: None,
        help: "next entitlement",
        command: C::CatalogueDown,
    },
    Binding {
        keys: &[UP, Key::Char('k')],
        footer: None,
        help: "previous entitlement",
        command: C::CatalogueUp,
    },
    Binding {
        keys: &[PGDN],
        footer: None,
        help: "a screen down",
        command: C::CataloguePageDown,
    },
    Binding {
        keys: &[PGUP],
        footer: None,
        help: "a screen up",
        command: C::CataloguePageUp,
    },
    Binding {
        keys: &[ENTER],
        footer: Some("who holds it"),
        help: "the users who hold it, and how (directly or through which group)",
        command: C::Holders,
    },
    Binding {
        keys: &[ESC, Key::Char('u')],
        footer: Some("users"),
        help: "back to the users",
        command: C::CloseCatalogue,
    },
    HELP.with(C::Help),
    QUIT.with(C::Quit),
];

/// Typing a filter: letters go into it.
pub const FILTER_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[ENTER],
        footer: Some("keep filter"),
        help: "keep the filter and go back to the table",
        command: C::KeepFilter,
    },
    Binding {
        keys: &[ESC],
        footer: Some("clear filter"),
        help: "clear the filter",
        command: C::ClearFilter,
    },
    Binding {
        keys: &[DOWN],
        footer: None,
        help: "keep the filter and move down",
        command: C::FilterMove(Move::Down),
    },
    Binding {
        keys: &[UP],
        footer: None,
        help: "keep the filter and move up",
        command: C::FilterMove(Move::Up),
    },
    Binding {
        keys: &[PGDN],
        footer: None,
        help: "keep the filter and move a screen down",
        command: C::FilterMove(Move::PageDown),
    },
    Binding {
        keys: &[PGUP],
        footer: None,
        help: "keep the filter and move a screen up",
        command: C::FilterMove(Move::PageUp),
    },
];

/// The export prompt: letters go into the file name.
pub const EXPORT_KEYS: &[Binding<Command>] = &[
    Binding {
        keys: &[TAB],
        footer: Some("format"),
        help: "switch between CSV and JSON",
        command: C::SwitchFormat,
    },
    Binding {
        keys: &[ENTER],
        footer: Some("write"),
        help: "write the file (asks before replacing one)",
        command: C::Write,
    },
    Binding {
        keys: &[ESC],
        footer: Some("cancel"),
        help: "close without writing",
        command: C::CancelExport,
    },
];

pub fn tables() -> Vec<Table> {
    vec![
        Table::of("users", false, BROWSE_KEYS),
        Table::of("users filter", true, FILTER_KEYS),
        Table::of("users export", true, EXPORT_KEYS),
        Table::of("users entitlements", false, CATALOGUE_KEYS),
    ]
}

pub struct UsersScreen {
    pub profile: String,
    pub integration: Integration,
    pub table: UserTable,
    pub selected: usize,
    pub offset: usize,
    pub filter: Option<TextField>,
    pub details: bool,
    pub pages: u32,
    pub waits: u32,
    pub waiting: Option<Duration>,
    /// When the current wait is over: pages may still arrive during it (one read before
    /// the pause), so a page does not end it; the clock does.
    pub wait_ends: Option<time::OffsetDateTime>,
    /// The admin moved the selection (since the last sort or filter): the table follows that
    /// user when it is reordered. Otherwise the selection stays at the top.
    pub pinned: bool,
    pub done: bool,
    pub failure: Option<Notice>,
    pub export: Option<ExportPrompt>,
    /// What users can do: grows while loading (OneTrust's come with the users, Okta's after
    /// them); the table gets its share once complete.
    pub entitlements: Arc<Entitlements>,
    pub entitlement_state: EntitlementState,
    pub deactivated: u64,
    /// Lines the details pane is scrolled down.
    pub details_scroll: usize,
    pub catalogue: Option<Catalogue>,
}

impl UsersScreen {
    pub fn new(profile: &str, integration: Integration) -> Self {
        Self {
            profile: profile.to_string(),
            integration,
            table: UserTable::default(),
            selected: 0,
            offset: 0,
            filter: None,
            details: false,
            pages: 0,
            waits: 0,
            waiting: None,
            wait_ends: None,
            pinned: false,
            done: false,
            failure: None,
            export: None,
            entitlements: Arc::default(),
            entitlement_state: EntitlementState::Waiting,
            deactivated: 0,
            details_scroll: 0,
            catalogue: None,
        }
    }

    /// Whether everything an export would write is in: users, then entitlements.
    pub fn loaded(&self) -> bool {
        self.done
            && self.failure.is_none()
            && matches!(self.entitlement_state, EntitlementState::Done)
    }

    /// Why an export now would be partial, with the counts, or `None`.
    pub fn partial(&self) -> Option<String> {
        let n = ploy_core::text::thousands(self.table.len() as u64);
        if self.failure.is_some() {
            return Some(format!(
                "Loading stopped after {n} users: a partial list is not exported. Go back and load the users again."
            ));
        }
        if !self.done {
            return Some(format!(
                "Still loading users ({n} so far): an export writes all of them, so it waits until they are in."
            ));
        }
        match &self.entitlement_state {
            EntitlementState::Waiting | EntitlementState::Reading(_) => Some(format!(
                "All {n} users are in, entitlements are still loading: export when they are in (the header shows how far)."
            )),
            EntitlementState::Failed(_) => Some(
                "Entitlements could not be read (see the status line): an export would leave them out. Go back and load again."
                    .into(),
            ),
            EntitlementState::Done => None,
        }
    }

    /// The entitlement the table shows the holders of, if it does.
    pub fn holding(&self) -> Option<&ploy_core::entitlements::Entitlement> {
        let n: u32 = self.table.filter().strip_prefix("held:#")?.parse().ok()?;
        self.entitlements.get(n)
    }

    fn entitlements_in(&mut self, more: Option<Box<Entitlements>>) {
        if let Some(more) = more {
            Arc::make_mut(&mut self.entitlements).absorb(*more);
        }
        self.entitlement_state = EntitlementState::Done;
        self.table.set_entitlements(Arc::clone(&self.entitlements));
        if let Some(c) = &mut self.catalogue {
            *c = Catalogue {
                rows: catalogue_rows(&self.entitlements),
                ..Catalogue::default()
            };
        }
    }

    fn open_catalogue(&mut self) {
        self.catalogue = Some(Catalogue {
            rows: catalogue_rows(&self.entitlements),
            ..Catalogue::default()
        });
    }

    fn catalogue_move(&mut self, to: impl FnOnce(usize) -> usize, rows: usize) {
        if let Some(c) = &mut self.catalogue {
            let last = c.rows.len().saturating_sub(1);
            c.selected = to(c.selected).min(last);
            let page = rows.max(1);
            if c.selected < c.offset {
                c.offset = c.selected;
            } else if c.selected >= c.offset + page {
                c.offset = c.selected + 1 - page;
            }
        }
    }

    fn show_holders(&mut self) {
        let Some(c) = self.catalogue.take() else {
            return;
        };
        if let Some((e, _)) = c.rows.get(c.selected) {
            // Everyone is held by every user: all of them, not a list nobody is on.
            let filter = if self.entitlements.is_implicit(*e) {
                String::new()
            } else {
                holders_filter(*e)
            };
            self.table.set_filter(&filter);
            self.selected = 0;
            self.offset = 0;
            self.pinned = false;
            self.details = true;
            self.details_scroll = 0;
        }
    }

    pub fn selected_user(&self) -> Option<UserRef<'_>> {
        self.table.row(self.selected)
    }

    pub fn add_page(&mut self, mut users: Vec<User>, rows: usize) {
        self.pages += 1;
        self.deactivated += users
            .iter()
            .filter(|u| u.status == UserStatus::Deprovisioned)
            .count() as u64;
        // What comes with the users (OneTrust's access levels) is kept beside the table,
        // which keeps only the users' own fields.
        if users.iter().any(|u| !u.access.is_empty()) {
            let e = Arc::make_mut(&mut self.entitlements);
            for u in &mut users {
                let access = std::mem::take(&mut u.access);
                e.grant_all(&u.id, &access);
            }
            // A user met again on a later page was logged out of order: merged now.
            e.seal();
        }
        self.reordering(rows, |t| t.push(users));
    }

    /// A sort that ran elsewhere is in.
    pub fn sorted(&mut self, sorted: Sorted, rows: usize) {
        self.reordering(rows, |t| t.sorted(sorted));
    }

    /// A wait the tenant asked for, as of `now`.
    pub fn wait(&mut self, wait: Duration, now: time::OffsetDateTime) {
        self.waits += 1;
        self.waiting = Some(wait);
        self.wait_ends = Some(now + wait);
    }

    /// The clock moved: a wait that is over is no longer shown.
    pub fn tick(&mut self, now: time::OffsetDateTime) {
        if self.wait_ends.is_some_and(|end| now >= end) {
            self.waiting = None;
            self.wait_ends = None;
        }
    }

    /// Changes the table in a way that may move rows: a selection the admin chose stays on
    /// its user, wherever the new order puts them.
    fn reordering(&mut self, rows: usize, change: impl FnOnce(&mut UserTable)) {
        let user = self
            .pinned
            .then(|| self.table.user_at(self.selected))
            .flatten();
        change(&mut self.table);
        if let Some(u) = user
            && self.table.user_at(self.selected) != Some(u)
            && let Some(at) = self.table.position_of(u)
        {
            self.selected = at;
        }
        self.clamp(rows);
    }

    /// A sort the admin asked for shows its order from the top.
    fn sort_by(&mut self, column: Column) {
        self.table.sort_by(column);
        self.selected = 0;
        self.offset = 0;
        self.pinned = false;
    }

    /// The admin moves the selection.
    fn select(&mut self, row: usize) {
        self.selected = row;
        self.pinned = true;
    }

    /// Keeps the selection inside the view, and the view on the selection: `rows` is how many
    /// table rows the screen shows now (the view's layout says).
    pub fn clamp(&mut self, rows: usize) {
        let rows = rows.max(1);
        let shown = self.table.shown();
        self.selected = self.selected.min(shown.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        self.offset = self.offset.min(shown.saturating_sub(rows.min(shown)));
    }

    pub fn click(&mut self, hit: Hit, rows: usize) {
        // Under the export dialog the table is not live: a sort would change what is written.
        if self.export.is_some() {
            return;
        }
        match hit {
            Hit::Header(c) => self.sort_by(c),
            Hit::Row(i) => {
                self.selected = self.offset + i;
                self.pinned = true;
                self.clamp(rows);
            }
            Hit::Nothing => {}
        }
    }

    /// What became of an export: written (the dialog closes; the news goes to the status
    /// line) or not (the dialog stays, with why).
    fn exported(&mut self, result: Result<Written, ExportFailure>) -> Reply {
        match result {
            Ok(written) => {
                self.export = None;
                Reply::none().say(Notice::news(written.to_string()))
            }
            Err(failure) => {
                if let Some(prompt) = &mut self.export {
                    prompt.writing = false;
                    prompt.replace = failure.exists;
                    prompt.error = Some(failure.message);
                }
                Reply::none()
            }
        }
    }

    /// The download is over (all users in, or why not).
    fn done(
        &mut self,
        result: Result<u64, ploy_core::app::AppError>,
        rows: &dyn Fn(&UsersScreen) -> usize,
    ) {
        self.done = true;
        self.waiting = None;
        self.wait_ends = None;
        if let Err(e) = result {
            self.failure = Some(Notice::from(&e));
        }
        // The failure box takes rows from the table: keep the selection in view.
        self.clamp(rows(self));
    }

    /// A result or a tick for this screen. `rows` says how many table rows the layout shows
    /// for the screen as it is (a failure box takes some), `now` is the clock.
    pub fn update(
        &mut self,
        action: Action,
        rows: &dyn Fn(&UsersScreen) -> usize,
        now: time::OffsetDateTime,
    ) -> Reply {
        let reply = match action {
            Action::UsersPage(users, _taken_in_on_drop) => {
                self.add_page(users, rows(self));
                Reply::none()
            }
            Action::UsersSorted(sorted) => {
                self.sorted(sorted, rows(self));
                Reply::none()
            }
            Action::UsersWait(d) => {
                self.wait(d, now);
                Reply::none()
            }
            Action::UsersDone(r) => {
                // Entitlements may be in (or on their way) before the last page.
                if r.is_ok() && self.entitlement_state == EntitlementState::Waiting {
                    self.entitlement_state = EntitlementState::Reading(None);
                }
                self.done(r, rows);
                Reply::none()
            }
            Action::EntitlementsProgress(p) => {
                self.entitlement_state = EntitlementState::Reading(Some(p));
                Reply::none()
            }
            Action::EntitlementsDone(Ok(more)) => {
                self.entitlements_in(more);
                Reply::none()
            }
            Action::EntitlementsDone(Err(e)) => {
                let notice = Notice::from(&e);
                self.entitlement_state = EntitlementState::Failed(Box::new(notice.clone()));
                Reply::none().say(notice)
            }
            Action::Exported(r) => self.exported(r),
            Action::Tick => {
                self.tick(now);
                Reply::none()
            }
            Action::Resize(..) => {
                self.clamp(rows(self));
                Reply::none()
            }
            _ => Reply::none(),
        };
        self.sort_elsewhere(reply)
    }

    /// Whatever changed the table, a sort too big for a frame runs on another thread.
    fn sort_elsewhere(&mut self, mut reply: Reply) -> Reply {
        if let Some(job) = self.table.sort_job() {
            reply.effects.push(Effect::Sort(job));
        }
        reply
    }

    /// The table of the mode the screen is in.
    pub fn table_keys(&self) -> &'static [Binding<Command>] {
        if self.export.is_some() {
            EXPORT_KEYS
        } else if self.catalogue.is_some() {
            CATALOGUE_KEYS
        } else if self.filter.is_some() {
            FILTER_KEYS
        } else {
            BROWSE_KEYS
        }
    }

    /// Whether letters are typed into a field.
    pub fn typing(&self) -> bool {
        self.export.is_some() || self.filter.is_some()
    }

    fn available(&self, cmd: Command) -> bool {
        let writing = self.export.as_ref().is_some_and(|p| p.writing);
        match cmd {
            // A result always finds its own dialog: it cannot be closed while it writes.
            C::Write | C::SwitchFormat | C::CancelExport => !writing,
            C::CloseDetails => self.details,
            C::Back => !self.details,
            C::DetailsDown | C::DetailsUp => self.details,
            C::Holders => self.catalogue.as_ref().is_some_and(|c| !c.rows.is_empty()),
            _ => true,
        }
    }

    pub fn bindings(&self) -> Shown {
        Shown::of(self.table_keys(), |c| self.available(c), self.typing())
    }

    pub fn key(&mut self, key: KeyEvent, rows: usize) -> Reply {
        let reply = match lookup(self.table_keys(), &key, |c| self.available(c)) {
            Some(cmd) => self.command(cmd, rows),
            None => {
                self.type_key(key);
                self.clamp(rows);
                Reply::none()
            }
        };
        self.sort_elsewhere(reply)
    }

    /// A click on what the layout says was hit.
    pub fn click_at(&mut self, hit: Hit, rows: usize) -> Reply {
        self.click(hit, rows);
        self.sort_elsewhere(Reply::none())
    }

    fn type_key(&mut self, key: KeyEvent) {
        if let Some(prompt) = &mut self.export {
            if prompt.writing {
                return;
            }
            if prompt.path.handle_key(key) {
                // Another name: the question about the old one no longer applies.
                prompt.replace = false;
                prompt.error = None;
            }
        } else if let Some(filter) = &mut self.filter
            && filter.handle_key(key)
        {
            let text = filter.text().to_string();
            self.table.set_filter(&text);
            self.selected = 0;
            self.offset = 0;
            self.pinned = false;
        }
    }

    pub fn paste(&mut self, text: &str, rows: usize) -> Reply {
        self.paste_text(text, rows);
        self.sort_elsewhere(Reply::none())
    }

    fn paste_text(&mut self, text: &str, rows: usize) {
        if let Some(prompt) = &mut self.export {
            if !prompt.writing {
                prompt.path.paste(text);
                prompt.replace = false;
                prompt.error = None;
            }
        } else if let Some(f) = &mut self.filter {
            f.paste(text);
            let t = f.text().to_string();
            self.table.set_filter(&t);
            // As for a typed character: the view starts again at the first match.
            self.selected = 0;
            self.offset = 0;
            self.pinned = false;
            self.clamp(rows);
        }
    }

    fn command(&mut self, cmd: Command, rows: usize) -> Reply {
        let page = rows.max(1);
        match cmd {
            C::Help => return Reply::go(Go::Help),
            C::Back => {
                return Reply::effects(vec![Effect::StopUsers, Effect::LoadProfiles])
                    .and_go(Go::Home);
            }
            C::Quit => return Reply::go(Go::Quit),
            C::Down => self.select(self.selected + 1),
            C::Up => self.select(self.selected.saturating_sub(1)),
            C::PageDown => self.select(self.selected + page),
            C::PageUp => self.select(self.selected.saturating_sub(page)),
            C::First => {
                self.selected = 0;
                self.pinned = false;
            }
            C::Last => self.select(self.table.shown().saturating_sub(1)),
            C::Details => {
                self.details = !self.details;
                self.details_scroll = 0;
            }
            C::CloseDetails => self.details = false,
            C::DetailsDown => self.details_scroll = self.details_scroll.saturating_add(page / 2),
            C::DetailsUp => self.details_scroll = self.details_scroll.saturating_sub(page / 2),
            C::Catalogue => self.open_catalogue(),
            C::CloseCatalogue => self.catalogue = None,
            C::CatalogueDown => self.catalogue_move(|s| s + 1, rows),
            C::CatalogueUp => self.catalogue_move(|s| s.saturating_sub(1), rows),
            C::CataloguePageDown => self.catalogue_move(|s| s + page, rows),
            C::CataloguePageUp => self.catalogue_move(|s| s.saturating_sub(page), rows),
            C::Holders => self.show_holders(),
            C::Filter => self.filter = Some(TextField::new(self.table.filter())),
            C::Sort => {
                let next = match self.table.sort() {
                    Some((c, _)) => c.next(),
                    None => Column::Name,
                };
                self.sort_by(next);
            }
            // Without a sort yet, the reverse of the first column's.
            C::Reverse => match self.table.sort() {
                Some((c, _)) => self.sort_by(c),
                None => {
                    self.sort_by(Column::Name);
                    self.sort_by(Column::Name);
                }
            },
            C::Export => {
                self.export = Some(ExportPrompt {
                    format: ExportFormat::Csv,
                    path: TextField::new(&format!("users-{}.csv", self.profile)),
                    replace: false,
                    writing: false,
                    error: None,
                });
            }
            C::KeepFilter => self.filter = None,
            C::ClearFilter => {
                self.filter = None;
                self.table.set_filter("");
            }
            C::FilterMove(m) => {
                self.filter = None;
                let next = match m {
                    Move::Down => C::Down,
                    Move::Up => C::Up,
                    Move::PageDown => C::PageDown,
                    Move::PageUp => C::PageUp,
                };
                return self.command(next, rows);
            }
            C::SwitchFormat => {
                if let Some(prompt) = &mut self.export {
                    prompt.format = match prompt.format {
                        ExportFormat::Csv => ExportFormat::Json,
                        ExportFormat::Json => ExportFormat::Csv,
                    };
                    let path = prompt.path.text().to_string();
                    let swapped = match prompt.format {
                        ExportFormat::Csv => path.replace(".json", ".csv"),
                        ExportFormat::Json => path.replace(".csv", ".json"),
                    };
                    prompt.path.set(&swapped);
                    prompt.replace = false;
                    prompt.error = None;
                }
            }
            C::Write => return self.write(),
            C::CancelExport => self.export = None,
        }
        self.clamp(rows);
        Reply::none()
    }

    /// Writes the shown users to the file the export prompt names.
    fn write(&mut self) -> Reply {
        let Some(prompt) = &mut self.export else {
            return Reply::none();
        };
        if prompt.path.text().trim().is_empty() {
            prompt.error = Some("Type a file name first.".into());
            return Reply::none();
        }
        let partial = self.partial();
        let Some(prompt) = &mut self.export else {
            return Reply::none();
        };
        // A part of the users handed to an access review is a compliance failure.
        if let Some(why) = partial {
            prompt.error = Some(why);
            return Reply::none();
        }
        prompt.writing = true;
        prompt.error = None;
        Reply::effect(Effect::Export {
            rows: self.table.shown_users(),
            format: prompt.format,
            path: PathBuf::from(prompt.path.text().trim()),
            replace: if prompt.replace {
                Replace::Allow
            } else {
                Replace::Never
            },
            entitlements: Some(Arc::clone(&self.entitlements)),
        })
    }
}

/// The entitlements view's rows: kind order, then name, with how many users hold each.
fn catalogue_rows(e: &Entitlements) -> Vec<(u32, u32)> {
    let counts = e.counts();
    let mut rows: Vec<(u32, u32)> = (0..e.all().len())
        .filter_map(|i| Some((u32::try_from(i).ok()?, *counts.get(i)?)))
        .collect();
    rows.sort_by(|a, b| {
        let (x, y) = (e.get(a.0), e.get(b.0));
        let key = |v: Option<&ploy_core::entitlements::Entitlement>| {
            v.map(|v| (v.kind, ploy_core::text::folded(&v.label())))
        };
        key(x).cmp(&key(y))
    });
    rows
}

/// How the header names a kind's count ("3 groups").
pub fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Group => "groups",
        Kind::App => "apps",
        Kind::Role => "roles",
        Kind::AccessLevel => "access levels",
    }
}

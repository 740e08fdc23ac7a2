use super::*;
use crate::users::Extras;

const NOW: &str = "2026-03-01T12:00:00Z";

fn now() -> OffsetDateTime {
    OffsetDateTime::parse(NOW, &time::format_description::well_known::Rfc3339).unwrap()
}

fn days_ago(d: i64) -> Option<String> {
    Some(crate::text::rfc3339(now() - time::Duration::days(d)))
}

fn user(
    source: Integration,
    id: &str,
    email: &str,
    status: UserStatus,
    last: Option<String>,
) -> User {
    User {
        id: id.into(),
        login: email.into(),
        email: email.into(),
        name: format!("Name of {id}"),
        first_name: String::new(),
        last_name: String::new(),
        status,
        created: None,
        last_login: last,
        source,
        extra: Extras::default(),
        access: Vec::new(),
    }
}

fn part(name: &str, integration: Integration, users: &[User], spilled: bool) -> Part {
    let mut p = if spilled {
        Part::spilled(name, integration).unwrap()
    } else {
        Part::in_memory(name, integration)
    };
    for (i, u) in users.iter().enumerate() {
        assert!(p.push(u, i as u32).unwrap());
    }
    p.seal().unwrap();
    p.state.users_complete = true;
    p.state.entitlements_complete = p.state.entitlements_complete.map(|_| true);
    p
}

fn rules() -> Rules {
    Rules::new(now(), DEFAULT_DORMANT_DAYS)
}

/// Each person as (email, flags, unsure, [(profile, id, flags)]).
type Seen = (
    String,
    Vec<&'static str>,
    Vec<&'static str>,
    Vec<(String, String, Vec<&'static str>)>,
);

fn seen(ids: &Identities) -> Vec<Seen> {
    let mut buf = Vec::new();
    ids.people()
        .map(|p| {
            let (email, _) = p.email_and_name(&mut buf);
            let accounts = p
                .accounts()
                .map(|a| {
                    let id = a.text(&mut buf).id.to_string();
                    (a.profile().to_string(), id, a.flags().names())
                })
                .collect();
            (email, p.flags.names(), p.unsure.names(), accounts)
        })
        .collect()
}

#[test]
fn addresses_are_compared_trimmed_compatibility_and_case_folded() {
    assert_eq!(
        normalise("  Ada.Lovelace@Example.TEST \t"),
        "ada.lovelace@example.test"
    );
    assert_eq!(normalise("ada@example.test"), "ada@example.test");
    // Full-width letters and at sign, a ligature, a sharp s, a final sigma.
    assert_eq!(normalise("ＡＤＡ＠example.test"), "ada@example.test");
    assert_eq!(normalise("ﬁnance@x.test"), "finance@x.test");
    assert_eq!(normalise("STRASSE@x.test"), normalise("straße@x.test"));
    assert_eq!(normalise("ΟΔΟΣ@x.test"), normalise("οδος@x.test"));
    assert_eq!(normalise("Ångström@x.test"), normalise("ÅNGSTRÖM@X.TEST"));
    // Accents are not dropped: another address.
    assert_ne!(normalise("rene@x.test"), normalise("rené@x.test"));
    assert_eq!(person_key("", "  LOGIN.Only "), "login.only");
    assert_eq!(person_key(" Mail@x.test", "login"), "mail@x.test");
}

#[test]
fn accounts_join_on_the_normalised_email_never_on_names() {
    // A login apart from the email reads back as itself.
    let mut own = user(
        Integration::Okta,
        "o9",
        "x@x.test",
        UserStatus::Active,
        None,
    );
    own.login = "x.login".into();
    let ids = join(vec![part("corp", Integration::Okta, &[own], true)], rules());
    let mut buf = Vec::new();
    let a = ids.person(0).unwrap().accounts().next().unwrap();
    let t = a.text(&mut buf);
    assert_eq!((t.id, t.login, t.email), ("o9", "x.login", "x@x.test"));

    let okta = [
        user(
            Integration::Okta,
            "o1",
            "Ada@Example.test",
            UserStatus::Active,
            days_ago(3),
        ),
        user(
            Integration::Okta,
            "o2",
            "alan@example.test",
            UserStatus::Active,
            days_ago(3),
        ),
    ];
    let mut ot = vec![
        user(
            Integration::OneTrust,
            "t1",
            "ada@example.test ",
            UserStatus::Active,
            days_ago(3),
        ),
        user(
            Integration::OneTrust,
            "t2",
            "someone@example.test",
            UserStatus::Active,
            days_ago(3),
        ),
    ];
    // Same name as o2, another address: another person.
    ot[1].name = "Name of o2".into();
    for spilled in [false, true] {
        let ids = join(
            vec![
                part("corp", Integration::Okta, &okta, spilled),
                part("acme", Integration::OneTrust, &ot, spilled),
            ],
            rules(),
        );
        assert_eq!(ids.len(), 3);
        assert_eq!(ids.accounts(), 4);
        let s = seen(&ids);
        assert_eq!(s[0].0, "ada@example.test");
        assert_eq!(
            s[0].3.iter().map(|a| a.1.as_str()).collect::<Vec<_>>(),
            ["o1", "t1"],
            "profile order"
        );
        assert_eq!(s[1].0, "alan@example.test");
        assert_eq!(s[1].3.len(), 1);
        assert_eq!(s[2].0, "someone@example.test");
        assert_eq!(s[2].1, ["orphan"]);
    }
}

#[test]
fn every_flag_follows_its_rule() {
    let okta = [
        // A leaver: deactivated in Okta, active in OneTrust.
        user(
            Integration::Okta,
            "leaver",
            "leaver@x.test",
            UserStatus::Deprovisioned,
            days_ago(200),
        ),
        // Left properly: deactivated in both.
        user(
            Integration::Okta,
            "gone",
            "gone@x.test",
            UserStatus::Deprovisioned,
            days_ago(200),
        ),
        // Dormant in Okta, recent in OneTrust.
        user(
            Integration::Okta,
            "sleepy",
            "sleepy@x.test",
            UserStatus::Active,
            days_ago(120),
        ),
        // Never logged in; locked out counts as active.
        user(
            Integration::Okta,
            "never",
            "never@x.test",
            UserStatus::LockedOut,
            None,
        ),
        // Suspended and never logged in: not active, no flag.
        user(
            Integration::Okta,
            "susp",
            "susp@x.test",
            UserStatus::Suspended,
            None,
        ),
        // Re-hired: an old deactivated account and an active one in the same org.
        user(
            Integration::Okta,
            "old",
            "rehire@x.test",
            UserStatus::Deprovisioned,
            days_ago(400),
        ),
        user(
            Integration::Okta,
            "new",
            "rehire@x.test",
            UserStatus::Active,
            days_ago(1),
        ),
    ];
    let ot = [
        user(
            Integration::OneTrust,
            "t-leaver",
            "LEAVER@x.test",
            UserStatus::Active,
            days_ago(10),
        ),
        user(
            Integration::OneTrust,
            "t-gone",
            "gone@x.test",
            UserStatus::Inactive,
            days_ago(10),
        ),
        user(
            Integration::OneTrust,
            "t-sleepy",
            "sleepy@x.test",
            UserStatus::Active,
            days_ago(89),
        ),
        user(
            Integration::OneTrust,
            "t-orphan",
            "orphan@x.test",
            UserStatus::Active,
            None,
        ),
        user(
            Integration::OneTrust,
            "t-off",
            "off@x.test",
            UserStatus::Inactive,
            None,
        ),
        user(
            Integration::OneTrust,
            "t-rehire",
            "rehire@x.test",
            UserStatus::Active,
            days_ago(1),
        ),
    ];
    let ids = join(
        vec![
            part("corp", Integration::Okta, &okta, false),
            part("acme", Integration::OneTrust, &ot, false),
        ],
        rules(),
    );
    let s = seen(&ids);
    let person = |email: &str| s.iter().find(|p| p.0 == email).unwrap().clone();
    let leaver = person("leaver@x.test");
    assert_eq!(leaver.1, ["leaver_with_access"]);
    assert_eq!(
        leaver.3[0].2,
        Vec::<&str>::new(),
        "the deactivated account itself"
    );
    assert_eq!(
        leaver.3[1].2,
        ["leaver_with_access"],
        "the one still active"
    );
    assert!(person("gone@x.test").1.is_empty());
    let sleepy = person("sleepy@x.test");
    assert_eq!(sleepy.1, ["dormant"]);
    assert_eq!(
        (sleepy.3[0].2.clone(), sleepy.3[1].2.clone()),
        (vec!["dormant"], vec![])
    );
    assert_eq!(person("never@x.test").1, ["never_logged_in"]);
    assert!(person("susp@x.test").1.is_empty());
    assert_eq!(person("orphan@x.test").1, ["never_logged_in", "orphan"]);
    assert!(
        person("off@x.test").1.is_empty(),
        "an inactive orphan is no orphan"
    );
    let rehire = person("rehire@x.test");
    assert!(
        rehire.1.is_empty(),
        "active again in the same org: {rehire:?}"
    );
    assert_eq!(rehire.3.len(), 3);
    let c = ids.counts();
    assert_eq!(
        Flag::ALL.map(|f| c.of(f)),
        [1, 1, 2, 1],
        "dormant, leaver, never, orphan"
    );
    assert!(ids.notes().is_empty(), "{:?}", ids.notes());
    assert!(ids.complete());

    // A shorter dormant rule catches the 89- and 10-day-old ones too.
    let ids = join(
        vec![
            part("corp", Integration::Okta, &okta, false),
            part("acme", Integration::OneTrust, &ot, false),
        ],
        Rules::new(now(), 5),
    );
    assert_eq!(ids.counts().of(Flag::Dormant), 2);
    let s = seen(&ids);
    let sleepy = s.iter().find(|p| p.0 == "sleepy@x.test").unwrap();
    assert_eq!(sleepy.3[1].2, ["dormant"]);
}

#[test]
fn a_profile_not_read_whole_makes_what_depends_on_it_unsure() {
    let okta = [user(
        Integration::Okta,
        "o1",
        "a@x.test",
        UserStatus::Active,
        days_ago(1),
    )];
    let ot = [
        user(
            Integration::OneTrust,
            "t1",
            "a@x.test",
            UserStatus::Active,
            days_ago(1),
        ),
        user(
            Integration::OneTrust,
            "t2",
            "b@x.test",
            UserStatus::Active,
            Some("yesterday".into()),
        ),
    ];
    let mut corp = part("corp", Integration::Okta, &okta, false);
    corp.state.users_complete = false;
    corp.state.failure = Some(crate::diagnose::Failure::new("rate_limited", "x"));
    let ids = join(
        vec![corp, part("acme", Integration::OneTrust, &ot, false)],
        rules(),
    );
    let b = ids.people().nth(1).unwrap();
    assert!(b.flags.is_empty(), "never flagged wrongly");
    assert_eq!(b.unsure.names(), ["dormant", "orphan"]);
    assert_eq!(ids.counts().unsure(Flag::Orphan), 1);
    assert_eq!(ids.counts().of(Flag::Orphan), 0);
    let notes = ids.notes().join("\n");
    assert!(
        notes.contains("corp: not all users read (reading failed (rate_limited))"),
        "{notes}"
    );
    assert!(notes.contains("orphans are unsure"), "{notes}");
    assert!(!ids.complete());
    let mut buf = Vec::new();
    assert_eq!(
        b.accounts().next().unwrap().last_login(&mut buf).as_deref(),
        Some("yesterday")
    );

    // No identity provider at all: nobody is an orphan, and the view says why.
    let ids = join(
        vec![part("acme", Integration::OneTrust, &ot, false)],
        rules(),
    );
    assert_eq!(
        ids.counts().of(Flag::Orphan) + ids.counts().unsure(Flag::Orphan),
        0
    );
    assert!(ids.notes()[0].contains("no identity provider"));
}

#[test]
fn an_account_with_nothing_to_match_on_is_a_person_of_its_own() {
    let ot = [
        user(Integration::OneTrust, "t1", "", UserStatus::Inactive, None),
        user(Integration::OneTrust, "t2", "", UserStatus::Inactive, None),
    ];
    let ids = join(
        vec![part("acme", Integration::OneTrust, &ot, false)],
        rules(),
    );
    assert_eq!(ids.len(), 2);
}

#[test]
fn the_cap_stops_a_part_and_says_so() {
    let mut p = Part::in_memory("acme", Integration::OneTrust);
    p.push(
        &user(
            Integration::OneTrust,
            "t1",
            "a@x.test",
            UserStatus::Active,
            None,
        ),
        0,
    )
    .unwrap();
    assert_eq!(p.len(), 1);
    p.state.capped = true;
    let ids = join(vec![p], rules());
    assert!(ids.notes().iter().any(|n| n.contains("stopped at")));
}

#[test]
fn last_logins_read_back_as_written() {
    for raw in [
        "2025-09-18T09:30:00.000Z",
        "2025-09-18T09:30:00Z",
        "2025-09-18T11:30:00+02:00",
        "not a time",
    ] {
        let u = user(
            Integration::Okta,
            "o",
            "a@x.test",
            UserStatus::Active,
            Some(raw.into()),
        );
        let ids = join(vec![part("corp", Integration::Okta, &[u], false)], rules());
        let mut buf = Vec::new();
        let p = ids.person(0).unwrap();
        let a = p.accounts().next().unwrap();
        assert_eq!(a.last_login(&mut buf).as_deref(), Some(raw));
    }
}

#[test]
fn exports_say_the_same_in_json_and_csv() {
    let okta = [user(
        Integration::Okta,
        "o1",
        "leaver@x.test",
        UserStatus::Deprovisioned,
        days_ago(9),
    )];
    let mut ot = vec![
        user(
            Integration::OneTrust,
            "t1",
            "leaver@x.test",
            UserStatus::Active,
            days_ago(9),
        ),
        user(
            Integration::OneTrust,
            "t2",
            "=orphan@x.test",
            UserStatus::Active,
            days_ago(9),
        ),
    ];
    ot[1].name = "\u{1b}[31mred".into();
    let ids = join(
        vec![
            part("corp", Integration::Okta, &okta, true),
            part("acme", Integration::OneTrust, &ot, true),
        ],
        rules(),
    );
    let mut j = IdentityExporter::new(ExportFormat::Json, Vec::new(), &ids, true).unwrap();
    j.write_all(&ids).unwrap();
    assert_eq!((j.people(), j.accounts()), (2, 3));
    let out = j.finish().unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(!text.chars().any(crate::text::is_unsafe), "{text}");
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["schema_version"], crate::app::JSON_SCHEMA_VERSION);
    assert_eq!(doc["dormant_days"], 90);
    assert_eq!(doc["profiles"][0]["role"], "identity_provider");
    let people = doc["identities"].as_array().unwrap();
    assert_eq!(people[0]["email"], "leaver@x.test");
    assert_eq!(
        people[0]["flags"],
        serde_json::json!(["leaver_with_access"])
    );
    assert_eq!(
        people[0]["accounts"][1]["flags"],
        serde_json::json!(["leaver_with_access"])
    );
    assert_eq!(people[0]["accounts"][0]["status"], "DEPROVISIONED");
    assert_eq!(people[0]["accounts"][1]["entitlements"], 0);
    assert_eq!(people[1]["name"], "\u{1b}[31mred", "lossless JSON");
    assert_eq!(people[1]["flags"], serde_json::json!(["orphan"]));

    use crate::users::ExportFormat;
    let mut c = IdentityExporter::new(ExportFormat::Csv, Vec::new(), &ids, true).unwrap();
    c.write_all(&ids).unwrap();
    let out = c.finish().unwrap();
    let mut r = csv::Reader::from_reader(&out[..]);
    let head = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 3, "one row an account");
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][col("person_flags")], "leaver_with_access");
    assert_eq!(&rows[0][col("flags")], "");
    assert_eq!(&rows[1][col("flags")], "leaver_with_access");
    assert_eq!(&rows[2][col("email")], "'=orphan@x.test", "formula defused");
    assert!(!rows[2][col("name")].contains('\u{1b}'));
    let line = summary(&ids, "standard output");
    assert!(line.starts_with("Wrote 2 people (3 accounts from 2 profiles) to standard output: 0 dormant, 1 leaver_with_access, 0 never_logged_in, 1 orphan."), "{line}");
}

#[test]
fn flags_parse_by_their_words() {
    assert_eq!("orphan".parse::<Flag>(), Ok(Flag::Orphan));
    assert_eq!(
        "Leaver-With-Access".parse::<Flag>(),
        Ok(Flag::LeaverWithAccess)
    );
    assert!(
        "ghost"
            .parse::<Flag>()
            .unwrap_err()
            .contains("dormant, leaver_with_access")
    );
}

#[test]
fn the_filter_takes_flag_terms_profiles_and_words() {
    let okta = [user(
        Integration::Okta,
        "o1",
        "leaver@x.test",
        UserStatus::Deprovisioned,
        days_ago(9),
    )];
    let ot = [
        user(
            Integration::OneTrust,
            "t1",
            "leaver@x.test",
            UserStatus::Active,
            days_ago(9),
        ),
        user(
            Integration::OneTrust,
            "t2",
            "Spärck@x.test",
            UserStatus::Active,
            None,
        ),
    ];
    let ids = join(
        vec![
            part("corp", Integration::Okta, &okta, false),
            part("acme", Integration::OneTrust, &ot, false),
        ],
        rules(),
    );
    let q = |t: &str| Query::parse(t).unwrap().filter(&ids);
    assert_eq!(q(""), [0, 1]);
    assert_eq!(q("flag:leaver_with_access"), [0]);
    assert_eq!(q("flag:leaver"), [0], "a flag's start names it");
    assert_eq!(q("flag:orphan flag:never"), [1]);
    assert_eq!(q("flag:orphan flag:leaver"), Vec::<u32>::new());
    assert_eq!(q("profile:corp"), [0]);
    assert_eq!(q("sparck"), [1], "accents folded");
    assert_eq!(q("NAME OF t1"), [0]);
    assert!(Query::parse("flag:ghost").unwrap_err().contains("orphan"));
    assert!(Query::parse("flag:d").is_ok(), "dormant");
    assert_eq!(Flag::named("x"), None);
}

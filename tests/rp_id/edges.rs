//! Edges of origin parsing and matching, RP ID rules and related origins that
//! mutation testing (docs/mutation-testing.md) found no test for: each test
//! names the mutant it catches.

use super::*;

/// Mutation testing: `c.is_control() || c.is_whitespace() || c == '\\'` in
/// `Origin::parse` joined with `&&` was not caught, as such input then failed
/// later with another error. A space, a control character or a backslash is
/// refused as what it is, before the URL parser strips or reinterprets it.
#[test]
fn origin_with_whitespace_control_or_backslash_refused_as_invalid_character() {
    for input in [
        "https://exa mple.com",
        "https://example.com\t",
        "https://exa\u{7}mple.com",
        "https://example.com\\",
    ] {
        assert!(
            matches!(
                Origin::parse(input),
                Err(OriginError::InvalidCharacter { .. })
            ),
            "{input:?}"
        );
    }
}

/// Mutation testing: the `WebOrigin`/`OriginHost` accessors a host reads
/// (`port`, `port_or_default`, `as_domain`) could return constants with no
/// test failing.
#[test]
fn web_origin_reports_its_host_and_port() {
    let o = Origin::parse("https://a.example:8443").unwrap();
    let w = o.as_web().unwrap();
    assert_eq!((w.port(), w.port_or_default()), (Some(8443), 8443));
    assert_eq!(w.host().as_domain(), Some("a.example"));
    let o = Origin::parse("https://a.example").unwrap();
    let w = o.as_web().unwrap();
    assert_eq!((w.port(), w.port_or_default()), (None, 443));
    let o = Origin::parse("http://127.0.0.1:8080").unwrap();
    assert_eq!(o.as_web().unwrap().host().as_domain(), None);
}

/// Mutation testing (docs/mutation-testing.md): the accessors of a built
/// related-origins set report exactly what it was built from — `contains`
/// answering `true` for everything, or `origins`/`max_labels`/`document`
/// returning constants, were not caught by any test.
#[test]
fn related_origins_accessors_report_the_set() {
    let set = RelatedOrigins::builder()
        .origin("https://a.example")
        .origin("https://b.example")
        .max_labels(3)
        .build()
        .expect("valid set");
    let listed: Vec<&str> = set.origins().iter().map(Origin::as_str).collect();
    assert_eq!(listed, ["https://a.example", "https://b.example"]);
    assert_eq!(set.max_labels(), 3);
    assert!(set.contains(&Origin::parse("https://b.example").unwrap()));
    assert!(!set.contains(&Origin::parse("https://c.example").unwrap()));
    assert_eq!(
        set.document().origins,
        ["https://a.example", "https://b.example"]
    );
    // `builder()` starts from the spec's label limit, not from zero.
    let default = RelatedOrigins::builder()
        .origin("https://a.example")
        .build()
        .expect("valid set");
    assert_eq!(
        default.max_labels(),
        relypass::rp_id::DEFAULT_MAX_RELATED_ORIGIN_LABELS
    );
}

/// Mutation testing: an RP ID in brackets that is not an IPv6 address is a
/// malformed domain, not an IP address (the bracket check and the IPv6 parse
/// must both hold); a domain's effective domain is not an IP.
#[test]
fn bracketed_non_ipv6_rp_id_is_not_reported_as_an_ip_address() {
    assert!(matches!(
        RpId::parse("[2001:db8::1]"),
        Err(RpIdError::IpAddressNotAllowed { .. })
    ));
    assert!(!matches!(
        RpId::parse("[not-an-ip]"),
        Err(RpIdError::IpAddressNotAllowed { .. }) | Ok(_)
    ));
    assert!(effective_domain("https://example.com").is_ok_and(|d| !d.is_ip()));
}

/// Mutation testing: `Origin::is_app` and `AsRef<str>` returning constants
/// were uncaught.
#[test]
fn origin_kind_and_text_are_reported() {
    let web = Origin::parse("https://a.example").unwrap();
    let app = Origin::parse("android:apk-key-hash:AbC-_0").unwrap();
    assert!(!web.is_app());
    assert!(app.is_app());
    assert_eq!(AsRef::<str>::as_ref(&web), "https://a.example");
    assert_eq!(AsRef::<str>::as_ref(&app), "android:apk-key-hash:AbC-_0");
}

/// Mutation testing: an iOS bundle id may hold `-` and `.` besides
/// alphanumerics, and nothing else; `b == b'-'` turned into `!=` (every other
/// byte allowed, `-` refused) was uncaught.
#[test]
fn ios_bundle_id_allows_hyphen_and_dot_only() {
    assert!(Origin::parse("ios:bundle-id:com.example.my-app").is_ok());
    for bad in ["ios:bundle-id:com.example_app", "ios:bundle-id:com/example"] {
        assert!(
            matches!(
                Origin::parse(bad),
                Err(OriginError::InvalidAppOrigin { .. })
            ),
            "{bad}"
        );
    }
}

/// Mutation testing: a port is ASCII digits only. Rust's `u16` parser also
/// takes a leading `+`, so without the digit check `https://a.example:+443`
/// was an origin; the guard replaced by `true` was uncaught.
#[test]
fn port_with_a_sign_refused() {
    for bad in ["https://a.example:+443", "https://a.example:-1"] {
        assert!(
            matches!(Origin::parse(bad), Err(OriginError::InvalidPort { .. })),
            "{bad}"
        );
    }
}

/// Mutation testing: the policy reports its options and origins, and an app
/// origin passes `check` and `contains` (not only `matches`, whose byte-equal
/// fast path hid the `(App, App)` arm of `origin_matches` being deleted).
#[test]
fn allowed_origins_report_their_policy_and_match_app_origins() {
    const APP: &str = "android:apk-key-hash:AbC-_0";
    let set = AllowedOrigins::new(["https://a.example", APP]).unwrap();
    assert!(!set.allows_subdomains() && !set.allows_any_port());
    let origins: Vec<&str> = set.origins().iter().map(Origin::as_str).collect();
    assert_eq!(origins, ["https://a.example", APP]);
    let wide = set.clone().allow_subdomains(true).allow_any_port(true);
    assert!(wide.allows_subdomains() && wide.allows_any_port());
    assert_eq!(set.check(APP).unwrap().as_str(), APP);
    assert!(set.contains(&Origin::parse(APP).unwrap()));
    assert!(!set.contains(&Origin::parse("android:apk-key-hash:Other").unwrap()));
}

/// Mutation testing: `AsRef<str>` for `RpId` returning constants was uncaught.
#[test]
fn rp_id_as_ref_is_its_text() {
    let rp = RpId::parse("Login.Example.COM").unwrap();
    assert_eq!(AsRef::<str>::as_ref(&rp), "login.example.com");
}

/// Mutation testing: DNS limits (RFC 1035 §2.3.4) are inclusive — a name of
/// 253 characters and a label of 63 are valid, one more is not. `>` turned
/// into `>=` in either length check was uncaught.
#[test]
fn rp_id_length_limits_are_inclusive() {
    let label = |c: char, n: usize| c.to_string().repeat(n);
    let longest = format!(
        "{}.{}.{}.{}",
        label('a', 63),
        label('b', 63),
        label('c', 63),
        label('d', 61)
    );
    assert_eq!(longest.len(), 253);
    assert_eq!(RpId::parse(&longest).unwrap().as_str(), longest);
    assert!(matches!(
        RpId::parse(&format!("e{longest}")),
        Err(RpIdError::TooLong { len: 254, .. })
    ));
    let long_label = format!("{}.example.com", label('a', 63));
    assert!(RpId::parse(&long_label).is_ok());
    assert!(matches!(
        RpId::parse(&format!("a{long_label}")),
        Err(RpIdError::InvalidLabel { .. })
    ));
}

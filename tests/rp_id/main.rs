//! Table-driven tests for RP ID derivation/validation, origin matching and
//! related origins.

use relypass::origin::{AllowedOrigins, CrossOriginPolicy, Origin, OriginError};
use relypass::rp_id::{
    EffectiveDomain, RelatedOrigins, RelatedOriginsError, RpId, RpIdError, RpIdRule, derive_rp_id,
    effective_domain, validate_rp_id_for_origin,
};

// The example's own code, compiled into this test so its argument handling is
// exercised without spawning a nested cargo.
#[allow(dead_code)]
#[path = "../../examples/rp_id.rs"]
mod example;

/// A short name for each error variant, so tables can state which rule fired.
fn kind(e: &RpIdError) -> &'static str {
    match e {
        RpIdError::Empty => "Empty",
        RpIdError::InvalidOrigin { .. } => "InvalidOrigin",
        RpIdError::OpaqueOrigin { .. } => "OpaqueOrigin",
        RpIdError::IpAddressNotAllowed { .. } => "IpAddressNotAllowed",
        RpIdError::NotADomain { .. } => "NotADomain",
        RpIdError::InvalidLabel { .. } => "InvalidLabel",
        RpIdError::TooLong { .. } => "TooLong",
        RpIdError::PublicSuffix { .. } => "PublicSuffix",
        RpIdError::NotASuffixOfOrigin { .. } => "NotASuffixOfOrigin",
        RpIdError::ShorterThanRegistrableDomain { .. } => "ShorterThanRegistrableDomain",
        RpIdError::OriginIsPublicSuffix { .. } => "OriginIsPublicSuffix",
        RpIdError::SkipExceedsLabels { .. } => "SkipExceedsLabels",
        RpIdError::TooFewLabels { .. } => "TooFewLabels",
        RpIdError::ZeroDomainLevels => "ZeroDomainLevels",
        RpIdError::SkipAndDomainLevelsAreExclusive => "SkipAndDomainLevelsAreExclusive",
        RpIdError::ExplicitRpIdIsExclusive { .. } => "ExplicitRpIdIsExclusive",
        _ => "other",
    }
}

fn outcome<T: ToString>(r: Result<T, RpIdError>) -> String {
    match r {
        Ok(v) => v.to_string(),
        Err(e) => format!("Err({})", kind(&e)),
    }
}

#[test]
fn effective_domains() {
    #[rustfmt::skip]
    let table: &[(&str, &str)] = &[
        ("https://example.com", "example.com"),
        ("https://WWW.Example.COM:8443/", "www.example.com"),
        ("https://bücher.example", "xn--bcher-kva.example"),
        ("https://BÜCHER.example", "xn--bcher-kva.example"),
        ("https://example.com.", "example.com"),
        ("http://localhost:3000", "localhost"),
        ("http://app.localhost", "app.localhost"),
        ("https://192.0.2.1", "192.0.2.1"),
        ("http://127.0.0.1:8080", "127.0.0.1"),
        ("https://[2001:db8::1]:8443", "[2001:db8::1]"),
        ("http://[::1]", "[::1]"),
        ("android:apk-key-hash:AbC-_0", "Err(OpaqueOrigin)"),
        ("ios:bundle-id:com.example.app", "Err(OpaqueOrigin)"),
        ("http://example.com", "Err(InvalidOrigin)"),
        ("example.com", "Err(InvalidOrigin)"),
        ("https://example.com/login", "Err(InvalidOrigin)"),
    ];
    for (origin, want) in table {
        assert_eq!(&outcome(effective_domain(origin)), want, "origin {origin}");
    }
    assert!(effective_domain("https://192.0.2.1").is_ok_and(|d| d.is_ip()));
    assert_eq!(
        effective_domain("https://example.com").ok(),
        Some(EffectiveDomain::Domain("example.com".into()))
    );
}

#[test]
fn validate_rp_id_table() {
    #[rustfmt::skip]
    let table: &[(&str, &str, &str)] = &[
        // plain domains
        ("example.com", "https://example.com", "ok"),
        ("example.com", "https://www.example.com", "ok"),
        ("example.com", "https://a.b.c.example.com:8443", "ok"),
        ("EXAMPLE.com", "https://www.example.com", "ok"),
        ("example.com.", "https://www.example.com", "ok"),
        ("www.example.com", "https://example.com", "Err(NotASuffixOfOrigin)"),
        ("login.example.com", "https://www.example.com", "Err(NotASuffixOfOrigin)"),
        ("ample.com", "https://example.com", "Err(NotASuffixOfOrigin)"),
        ("example.org", "https://example.com", "Err(NotASuffixOfOrigin)"),
        ("com", "https://example.com", "Err(PublicSuffix)"),
        // multi-label public suffixes
        ("example.co.uk", "https://www.example.co.uk", "ok"),
        ("co.uk", "https://www.example.co.uk", "Err(PublicSuffix)"),
        ("uk", "https://www.example.co.uk", "Err(PublicSuffix)"),
        ("example.com.au", "https://shop.example.com.au", "ok"),
        ("com.au", "https://shop.example.com.au", "Err(PublicSuffix)"),
        // private-section public suffixes
        ("foo.github.io", "https://foo.github.io", "ok"),
        ("foo.github.io", "https://docs.foo.github.io", "ok"),
        ("github.io", "https://foo.github.io", "Err(PublicSuffix)"),
        ("github.io", "https://github.io", "Err(PublicSuffix)"),
        ("myapp.herokuapp.com", "https://myapp.herokuapp.com", "ok"),
        ("herokuapp.com", "https://myapp.herokuapp.com", "Err(PublicSuffix)"),
        ("other.herokuapp.com", "https://myapp.herokuapp.com", "Err(NotASuffixOfOrigin)"),
        // IDN
        ("bücher.example", "https://www.bücher.example", "ok"),
        ("xn--bcher-kva.example", "https://www.bücher.example", "ok"),
        ("bücher.example", "https://www.xn--bcher-kva.example", "ok"),
        ("bucher.example", "https://www.bücher.example", "Err(NotASuffixOfOrigin)"),
        // localhost
        ("localhost", "http://localhost", "ok"),
        ("localhost", "http://localhost:3000", "ok"),
        ("localhost", "https://localhost:8443", "ok"),
        ("localhost", "http://app.localhost:3000", "ok"),
        ("app.localhost", "http://app.localhost:3000", "ok"),
        ("app.localhost", "http://x.app.localhost", "ok"),
        ("app.localhost", "http://localhost", "Err(NotASuffixOfOrigin)"),
        ("localhost", "https://example.com", "Err(NotASuffixOfOrigin)"),
        // IP addresses: never RP IDs
        ("127.0.0.1", "http://127.0.0.1", "Err(IpAddressNotAllowed)"),
        ("localhost", "http://127.0.0.1:8080", "Err(IpAddressNotAllowed)"),
        ("192.0.2.1", "https://192.0.2.1", "Err(IpAddressNotAllowed)"),
        ("[::1]", "http://[::1]", "Err(IpAddressNotAllowed)"),
        ("::1", "http://[::1]", "Err(IpAddressNotAllowed)"),
        ("example.com", "https://[2001:db8::1]", "Err(IpAddressNotAllowed)"),
        // ports never matter for RP IDs
        ("example.com", "https://example.com:443", "ok"),
        ("example.com", "https://example.com:8443", "ok"),
        ("example.com:8443", "https://example.com:8443", "Err(NotADomain)"),
        // syntax
        ("", "https://example.com", "Err(Empty)"),
        ("https://example.com", "https://example.com", "Err(NotADomain)"),
        ("a..example.com", "https://a..example.com", "Err(InvalidLabel)"),
        ("ex!ample.com", "https://example.com", "Err(InvalidLabel)"),
        // origin problems
        ("example.com", "android:apk-key-hash:AbC", "Err(OpaqueOrigin)"),
        ("example.com", "http://example.com", "Err(InvalidOrigin)"),
        // a suffix inside the origin's (wildcard) public suffix
        ("us-west-1.compute.amazonaws.com", "https://ec2-1-2-3-4.us-west-1.compute.amazonaws.com", "Err(PublicSuffix)"),
    ];
    for (rp_id, origin, want) in table {
        let got = outcome(validate_rp_id_for_origin(rp_id, origin).map(|()| "ok"));
        assert_eq!(&got, want, "rp_id {rp_id:?} for origin {origin}");
    }
}

#[test]
fn registrable_domain_floor() {
    // `compute.amazonaws.com` is not itself on the list but lies inside the
    // origin's public suffix `us-west-1.compute.amazonaws.com`.
    let r = validate_rp_id_for_origin(
        "compute.amazonaws.com",
        "https://ec2-1-2-3-4.us-west-1.compute.amazonaws.com",
    );
    assert!(
        matches!(
            r,
            Err(RpIdError::ShorterThanRegistrableDomain { ref registrable_domain, .. })
                if registrable_domain == "ec2-1-2-3-4.us-west-1.compute.amazonaws.com"
        ),
        "{r:?}"
    );
}

#[test]
fn derive_table() {
    use RpIdRule::*;
    #[rustfmt::skip]
    let table: &[(RpIdRule, &str, &str)] = &[
        (FromOrigin, "https://www.example.com", "www.example.com"),
        (FromOrigin, "https://github.io", "Err(PublicSuffix)"),
        (FromOrigin, "https://foo.github.io", "foo.github.io"),
        (FromOrigin, "https://bücher.example", "xn--bcher-kva.example"),
        (FromOrigin, "http://localhost:8080", "localhost"),
        (FromOrigin, "https://192.0.2.1", "Err(IpAddressNotAllowed)"),
        (FromOrigin, "https://[::1]", "Err(IpAddressNotAllowed)"),
        (FromOrigin, "android:apk-key-hash:AbC", "Err(OpaqueOrigin)"),
        (Explicit("example.com".into()), "https://www.example.com", "example.com"),
        (Explicit("login.example.com".into()), "https://www.example.com", "Err(NotASuffixOfOrigin)"),
        // skip labels
        (SkipLabels(0), "https://server01.domino.example.com", "server01.domino.example.com"),
        (SkipLabels(1), "https://server01.domino.example.com", "domino.example.com"),
        (SkipLabels(2), "https://server01.domino.example.com", "example.com"),
        (SkipLabels(3), "https://server01.domino.example.com", "Err(PublicSuffix)"),
        (SkipLabels(4), "https://server01.domino.example.com", "Err(SkipExceedsLabels)"),
        (SkipLabels(9), "https://server01.domino.example.com", "Err(SkipExceedsLabels)"),
        (SkipLabels(1), "https://www.example.co.uk", "example.co.uk"),
        (SkipLabels(2), "https://www.example.co.uk", "Err(PublicSuffix)"),
        (SkipLabels(1), "http://app.localhost", "localhost"),
        (SkipLabels(1), "https://192.0.2.1", "Err(IpAddressNotAllowed)"),
        // domain levels
        (DomainLevels(3), "https://www.mytest.domino.example.com", "domino.example.com"),
        (DomainLevels(2), "https://www.mytest.domino.example.com", "example.com"),
        (DomainLevels(1), "https://www.mytest.domino.example.com", "Err(PublicSuffix)"),
        (DomainLevels(5), "https://www.mytest.domino.example.com", "www.mytest.domino.example.com"),
        (DomainLevels(6), "https://www.mytest.domino.example.com", "Err(TooFewLabels)"),
        (DomainLevels(0), "https://www.example.com", "Err(ZeroDomainLevels)"),
        (DomainLevels(2), "https://www.example.co.uk", "Err(PublicSuffix)"),
        (DomainLevels(3), "https://www.example.co.uk", "example.co.uk"),
        (DomainLevels(2), "https://a.b.example.com:8443", "example.com"),
    ];
    for (rule, origin, want) in table {
        assert_eq!(
            &outcome(derive_rp_id(rule, origin)),
            want,
            "{rule:?} on {origin}"
        );
    }
}

#[test]
fn rule_from_options() {
    // (rp_id, skip, domain_levels, expected)
    type Row = (
        Option<&'static str>,
        Option<usize>,
        Option<usize>,
        &'static str,
    );
    #[rustfmt::skip]
    let table: &[Row] = &[
        (None, None, None, "FromOrigin"),
        (Some("Example.com"), None, None, "Explicit(\"example.com\")"),
        (None, Some(1), None, "SkipLabels(1)"),
        (None, None, Some(2), "DomainLevels(2)"),
        (None, Some(1), Some(2), "Err(SkipAndDomainLevelsAreExclusive)"),
        (Some("example.com"), Some(1), Some(2), "Err(SkipAndDomainLevelsAreExclusive)"),
        (Some("example.com"), Some(1), None, "Err(ExplicitRpIdIsExclusive)"),
        (Some("example.com"), None, Some(2), "Err(ExplicitRpIdIsExclusive)"),
        (None, None, Some(0), "Err(ZeroDomainLevels)"),
        (Some("com"), None, None, "Err(PublicSuffix)"),
        (Some(""), None, None, "Err(Empty)"),
    ];
    for (rp_id, skip, levels, want) in table {
        let got = match RpIdRule::from_options(*rp_id, *skip, *levels) {
            Ok(rule) => format!("{rule:?}"),
            Err(e) => format!("Err({})", kind(&e)),
        };
        assert_eq!(&got, want, "{rp_id:?} {skip:?} {levels:?}");
    }
    assert_eq!(
        RpIdRule::from_options(None, Some(1), Some(1)),
        Err(RpIdError::SkipAndDomainLevelsAreExclusive)
    );
}

#[test]
fn rp_id_type() {
    let rp = RpId::parse("Bücher.Example").unwrap();
    assert_eq!(rp.as_str(), "xn--bcher-kva.example");
    assert_eq!(rp.to_string(), "xn--bcher-kva.example");
    assert_eq!(rp.registrable_domain(), Some("xn--bcher-kva.example"));
    // Error messages name the rule and the values, fit for logs.
    let e = validate_rp_id_for_origin("login.example.com", "https://www.example.com").unwrap_err();
    assert_eq!(
        e.to_string(),
        "RP ID `login.example.com` is not equal to or a parent domain of `www.example.com`"
    );
    assert_eq!(
        RpId::parse("github.io").unwrap_err().to_string(),
        "RP ID `github.io` is a public suffix and cannot be an RP ID"
    );
}

#[test]
fn origin_normalisation_table() {
    #[rustfmt::skip]
    let table: &[(&str, &str)] = &[
        ("https://auth.example.com:443", "https://auth.example.com"),
        ("https://auth.example.com/", "https://auth.example.com"),
        ("HTTPS://AUTH.EXAMPLE.COM", "https://auth.example.com"),
        ("https://auth.example.com:8443", "https://auth.example.com:8443"),
        ("http://localhost:80", "http://localhost"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://app.localhost", "http://app.localhost"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]", "http://[::1]"),
        ("https://[2001:DB8::1]:443", "https://[2001:db8::1]"),
        ("android:apk-key-hash:AbC-_0", "android:apk-key-hash:AbC-_0"),
        ("ios:bundle-id:com.example.App", "ios:bundle-id:com.example.App"),
        ("http://example.com", "Err"),
        ("http://192.0.2.1", "Err"),
        ("https://auth.example.com/login", "Err"),
        ("https://auth.example.com?q", "Err"),
        ("https://auth.example.com#x", "Err"),
        ("https://u:p@auth.example.com", "Err"),
        ("wss://auth.example.com", "Err"),
        ("android:apk-key-hash:not base64", "Err"),
    ];
    for (input, want) in table {
        let got = Origin::parse(input).map_or_else(|_| "Err".to_owned(), |o| o.to_string());
        assert_eq!(&got, want, "{input}");
    }
    assert_eq!(
        Origin::parse("https://auth.example.com:443").ok(),
        Origin::parse("https://auth.example.com").ok()
    );
    assert_ne!(
        Origin::parse("https://auth.example.com:8443").ok(),
        Origin::parse("https://auth.example.com").ok()
    );
}

#[test]
fn origin_matching_table() {
    // (configured, subdomains, any_port, client origin, expected)
    #[rustfmt::skip]
    let table: &[(&str, bool, bool, &str, bool)] = &[
        ("https://example.com", false, false, "https://example.com", true),
        ("https://example.com:443", false, false, "https://example.com", true),
        ("https://example.com/", false, false, "https://example.com", true),
        ("https://example.com", false, false, "https://example.com:443", false),
        ("https://example.com", false, false, "https://example.com/", false),
        ("https://example.com", false, false, "https://example.com/login", false),
        ("https://example.com", false, false, "HTTPS://EXAMPLE.COM", false),
        ("https://example.com", false, false, "https://example.com:8443", false),
        ("https://example.com", false, false, "http://example.com", false),
        ("https://example.com", false, false, "https://www.example.com", false),
        ("https://example.com", false, false, "https://evilexample.com", false),
        ("https://example.com", false, false, "https://example.com.", false),
        ("https://example.com", false, false, "", false),
        // subdomains on a label boundary only
        ("https://example.com", true, false, "https://www.example.com", true),
        ("https://example.com", true, false, "https://a.b.example.com", true),
        ("https://example.com", true, false, "https://evilexample.com", false),
        ("https://example.com", true, false, "https://example.com.evil.com", false),
        ("https://example.com", true, false, "http://www.example.com", false),
        ("https://example.com", true, false, "https://www.example.com:8443", false),
        ("https://example.com", true, false, "https://WWW.example.com", false),
        // ports
        ("https://example.com:8443", false, false, "https://example.com:8443", true),
        ("https://example.com:8443", false, false, "https://example.com", false),
        ("https://example.com", false, true, "https://example.com:8443", true),
        ("https://example.com", false, true, "https://www.example.com:8443", false),
        ("https://example.com", true, true, "https://www.example.com:8443", true),
        ("http://localhost:3000", false, false, "http://localhost:3000", true),
        ("http://localhost:3000", false, false, "http://localhost:3001", false),
        ("http://localhost", false, true, "http://localhost:3001", true),
        ("http://localhost", true, false, "http://app.localhost", true),
        // IDN: clients send punycode
        ("https://bücher.example", false, false, "https://xn--bcher-kva.example", true),
        ("https://bücher.example", false, false, "https://bücher.example", false),
        // IP hosts never get subdomain matching
        ("https://192.0.2.1", true, false, "https://192.0.2.1", true),
        ("https://192.0.2.1", true, false, "https://1.192.0.2.1", false),
        ("http://[::1]:8080", false, false, "http://[::1]:8080", true),
        // app origins are exact, regardless of options
        ("android:apk-key-hash:AbC", true, true, "android:apk-key-hash:AbC", true),
        ("android:apk-key-hash:AbC", true, true, "android:apk-key-hash:abc", false),
        ("https://example.com", true, true, "android:apk-key-hash:AbC", false),
    ];
    for (configured, subdomains, any_port, client, want) in table {
        let policy = AllowedOrigins::new([*configured])
            .unwrap()
            .allow_subdomains(*subdomains)
            .allow_any_port(*any_port);
        assert_eq!(
            policy.matches(client),
            *want,
            "{configured} (subdomains={subdomains}, any_port={any_port}) vs {client:?}"
        );
    }
}

#[test]
fn origin_check_reasons() {
    let policy = AllowedOrigins::new(["https://example.com"]).unwrap();
    assert!(matches!(
        policy.check("https://example.com/"),
        Err(OriginError::NotCanonical { .. })
    ));
    assert!(matches!(
        policy.check("https://evil.com"),
        Err(OriginError::NotAllowed { .. })
    ));
    assert!(matches!(
        policy.check("https://example.com/x"),
        Err(OriginError::PathQueryOrFragmentNotAllowed { .. })
    ));
    assert!(matches!(
        policy.check("http://example.com"),
        Err(OriginError::InsecureScheme { .. })
    ));
    assert_eq!(
        policy.check("https://example.com").unwrap().as_str(),
        "https://example.com"
    );
    assert!(!AllowedOrigins::default().matches("https://example.com"));
    assert!(AllowedOrigins::new(["http://example.com"]).is_err());
}

#[test]
fn cross_origin_policy() {
    let top = Origin::parse("https://portal.example").unwrap();
    type Row = (bool, bool, Option<bool>, Option<&'static str>, bool);
    #[rustfmt::skip]
    let cases: &[Row] = &[
        // (allow, list top, crossOrigin, topOrigin, ok)
        (false, false, None, None, true),
        (false, false, Some(false), None, true),
        (false, false, Some(true), None, false),
        (false, true, Some(true), Some("https://portal.example"), false),
        (true, false, Some(true), None, true),
        (true, false, Some(true), Some("https://portal.example"), false),
        (true, true, Some(true), Some("https://portal.example"), true),
        (true, true, Some(true), Some("https://portal.example/"), false),
        (true, true, Some(true), Some("https://evil.example"), false),
        (true, true, Some(true), None, false),
        (true, true, Some(false), Some("https://portal.example"), false),
        (true, true, None, Some("https://portal.example"), false),
    ];
    for (allow, list, cross, top_origin, ok) in cases {
        let policy = CrossOriginPolicy {
            allow_cross_origin: *allow,
            allowed_top_origins: if *list { vec![top.clone()] } else { vec![] },
        };
        assert_eq!(
            policy.check(*cross, *top_origin).is_ok(),
            *ok,
            "allow={allow} list={list} crossOrigin={cross:?} topOrigin={top_origin:?}"
        );
    }
}

#[test]
fn related_origins_document() {
    let ro = RelatedOrigins::new([
        "https://example.com",
        "https://shop.example.co.uk/",
        "https://EXAMPLE.de",
        "https://example.com:443",
        "https://other.com",
    ])
    .unwrap();
    assert_eq!(ro.labels(), ["example", "other"]);
    assert_eq!(
        ro.to_json(),
        r#"{"origins":["https://example.com","https://shop.example.co.uk","https://example.de","https://other.com"]}"#
    );
    let back = RelatedOrigins::from_json(&ro.to_json(), 5).unwrap();
    assert_eq!(back, ro);
    let rp = RpId::parse("example.com").unwrap();
    assert_eq!(
        RelatedOrigins::well_known_url(&rp),
        "https://example.com/.well-known/webauthn"
    );
    assert!(ro.contains(&Origin::parse("https://other.com").unwrap()));
}

#[test]
fn related_origins_label_limit() {
    let five = [
        "https://a.com",
        "https://b.com",
        "https://c.co.uk",
        "https://d.github.io",
        "https://e.com",
    ];
    let ro = RelatedOrigins::new(five).unwrap();
    // `d.github.io` is registrable under the private section: its label is `d`.
    assert_eq!(ro.labels(), ["a", "b", "c", "d", "e"]);
    // Same labels under other suffixes do not count again.
    assert!(
        RelatedOrigins::new(
            five.iter()
                .copied()
                .chain(["https://a.de", "https://www.b.net"])
        )
        .is_ok()
    );
    // A sixth label exceeds the default limit.
    let six = RelatedOrigins::new(five.iter().copied().chain(["https://f.com"]));
    assert!(matches!(
        six,
        Err(RelatedOriginsError::TooManyLabels { ref labels, max: 5 }) if labels.len() == 6
    ));
    // Configurable.
    assert!(
        RelatedOrigins::builder()
            .origins(five)
            .max_labels(4)
            .build()
            .is_err()
    );
    assert!(
        RelatedOrigins::builder()
            .origins(five)
            .origin("https://f.com")
            .max_labels(6)
            .build()
            .is_ok()
    );
}

#[test]
fn related_origins_entries() {
    #[rustfmt::skip]
    let table: &[(&str, &str)] = &[
        ("https://example.com", "ok"),
        ("http://app.localhost:3000", "ok"),
        ("http://example.com", "InvalidOrigin"),
        ("https://example.com/path", "InvalidOrigin"),
        ("example.com", "InvalidOrigin"),
        ("android:apk-key-hash:AbC", "OpaqueOrigin"),
        ("https://192.0.2.1", "NoRegistrableDomain"),
        ("http://localhost", "NoRegistrableDomain"),
        ("https://github.io", "NoRegistrableDomain"),
        ("https://co.uk", "NoRegistrableDomain"),
    ];
    for (entry, want) in table {
        let got = match RelatedOrigins::new([*entry]) {
            Ok(_) => "ok",
            Err(RelatedOriginsError::InvalidOrigin { .. }) => "InvalidOrigin",
            Err(RelatedOriginsError::OpaqueOrigin { .. }) => "OpaqueOrigin",
            Err(RelatedOriginsError::NoRegistrableDomain { .. }) => "NoRegistrableDomain",
            Err(e) => panic!("unexpected {e}"),
        };
        assert_eq!(got, *want, "{entry}");
    }
    assert_eq!(
        RelatedOrigins::new(Vec::<String>::new()),
        Err(RelatedOriginsError::NoOrigins)
    );
    assert!(matches!(
        RelatedOrigins::from_json(r#"{"origins": "https://a.com"}"#, 5),
        Err(RelatedOriginsError::InvalidJson { .. })
    ));
}

fn run_example(args: &[&str]) -> Result<String, String> {
    example::run(args.iter().map(|s| (*s).to_owned()))
}

#[test]
fn example_logic() {
    #[rustfmt::skip]
    let ok: &[(&[&str], &str)] = &[
        (&["https://www.example.com"], "www.example.com valid for https://www.example.com"),
        (&["https://www.example.com:443", "--rp-id", "example.com"], "example.com valid for https://www.example.com"),
        (&["https://server01.domino.example.com", "--skip", "1"], "domino.example.com valid for https://server01.domino.example.com"),
        (
            &[
                "--domain-levels",
                "3",
                "https://www.mytest.domino.example.com",
            ],
            "domino.example.com valid for https://www.mytest.domino.example.com",
        ),
        (&["http://localhost:3000"], "localhost valid for http://localhost:3000"),
    ];
    for (args, want) in ok {
        assert_eq!(run_example(args).as_deref(), Ok(*want), "{args:?}");
    }
    #[rustfmt::skip]
    let err: &[(&[&str], &str)] = &[
        (&["https://example.com", "--skip", "1", "--domain-levels", "2"], "mutually exclusive"),
        (
            &[
                "https://example.com",
                "--rp-id",
                "example.com",
                "--skip",
                "1",
            ],
            "cannot be combined",
        ),
        (&["https://www.example.com", "--rp-id", "login.example.com"], "not equal to or a parent domain"),
        (&["https://127.0.0.1"], "IP address"),
        (&["https://example.com", "--skip", "x"], "non-negative integer"),
        (&["https://example.com", "--skip"], "needs a value"),
        (&["https://example.com", "--skip", "1", "--skip", "1"], "more than once"),
        (&["https://example.com", "--bogus"], "unknown option"),
        (&["https://a.com", "https://b.com"], "unexpected extra argument"),
        (&[], "missing ORIGIN"),
    ];
    for (args, needle) in err {
        match run_example(args) {
            Err(msg) => assert!(msg.contains(needle), "{args:?}: {msg}"),
            Ok(out) => panic!("{args:?} unexpectedly succeeded: {out}"),
        }
    }
}

/// Runs the real example binary once for each exit status. `cargo test`
/// already builds examples with the same profile, so `cargo run` only
/// re-uses those artifacts (it does not take the build lock for long).
#[test]
fn example_binary_exit_status() {
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["run", "--quiet", "--example", "rp_id"]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        cmd.arg("--").args(args).output().unwrap()
    };

    let ok = run(&["https://server01.domino.example.com", "--skip", "1"]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout).trim(),
        "domino.example.com valid for https://server01.domino.example.com"
    );

    let bad = run(&["https://example.com", "--skip", "1", "--domain-levels", "2"]);
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    assert!(bad.stdout.is_empty());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("mutually exclusive"));
}

mod edges;

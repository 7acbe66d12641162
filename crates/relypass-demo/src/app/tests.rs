//! Unit tests of the handlers' helpers.

use super::*;

#[test]
fn cookies_are_found_among_others() {
    let mut h = HeaderMap::new();
    h.insert(
        COOKIE,
        HeaderValue::from_static("a=1; relypass_demo_session=tok; b=2"),
    );
    assert_eq!(cookie(&h, COOKIE_NAME).as_deref(), Some("tok"));
    assert_eq!(cookie(&h, "c"), None);
    h.insert(COOKIE, HeaderValue::from_static("relypass_demo_session="));
    assert_eq!(cookie(&h, COOKIE_NAME), None);
}

#[test]
fn usernames_are_checked() {
    assert_eq!(clean_username("  bob ").unwrap(), "bob");
    assert!(clean_username("   ").is_err());
    assert!(clean_username("a\u{0}b").is_err());
    assert!(clean_username(&"x".repeat(relypass::limits::MAX_USER_NAME_BYTES + 1)).is_err());
    assert_eq!(clean_username("Bob").unwrap(), "bob");
    assert!(clean_username("ali\u{202E}ce").is_err());
    assert!(clean_username("ali\u{200B}ce").is_err());
    assert_eq!(sign_in_name(" BOB "), "bob");
    assert_eq!(display_name(Some("  "), "bob").unwrap(), "bob");
    assert_eq!(
        display_name(Some("Bob Example"), "bob").unwrap(),
        "Bob Example"
    );
    assert!(display_name(Some("Bob \u{202E}Example"), "bob").is_err());
}

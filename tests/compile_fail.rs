//! Misuse of the 0.2 API does not compile (`trybuild`): each file under
//! `tests/compile_fail/` is one thing a host must not be able to do, with the
//! compiler's refusal recorded beside it (`.stderr`). Regenerate the expected
//! output after an intended change with `TRYBUILD=overwrite cargo test --test
//! compile_fail`, and read the diff.

#[test]
fn misuse_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/*.rs");
}

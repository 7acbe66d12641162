//! Nothing here: the tests in `tests/` exercise relypass built without its
//! default features. See the package description.
#![forbid(unsafe_code)]

//! Shared code of the relypass fuzz targets: the target bodies ([`harness`]) and
//! the structure-aware mutator for conformance cases ([`mutate`]).

pub mod harness;
pub mod mutate;

/// libFuzzer's own byte mutator, with the signature [`mutate::mutate_case`] takes.
pub fn libfuzzer_mutate(buf: &mut [u8], size: usize, max_size: usize) -> usize {
    libfuzzer_sys::fuzzer_mutate(buf, size, max_size)
}

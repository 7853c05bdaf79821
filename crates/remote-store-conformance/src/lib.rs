//! The public conformance suite for remote-store backends.
//!
//! A backend crate adds this crate as a dev-dependency and writes one line
//! in a test file:
//!
//! ```ignore
//! remote_store_conformance::conformance_tests!(sync, || MyBackend::for_tests());
//! ```
//!
//! (`async, || …` for an `AsyncBackend`; the keyword documents the kind, the
//! factory's type decides. A server with a known deviation can skip a case,
//! with the reason printed: `conformance_tests!(async, factory, skip: {
//! case_name => "why" })`; say why in the reason, and prefer a capability
//! when the deviation is the backend's own.) That generates one `#[test]` per case, twice:
//! in a module `store` the cases run through the sync
//! [`Store`](remote_store_core::Store), in a module `async_store` through
//! the [`AsyncStore`](remote_store_core::AsyncStore). So a sync backend is
//! also tested through the `SyncBackendAdapter`, and an async one through
//! the blocking bridge.
//!
//! - The factory is called once per test. Each test works under a fresh
//!   random root (`conformance-<hex>/`) and deletes it at the end, so runs
//!   can share one server. **The suite writes and deletes data**: never
//!   point it at storage you care about.
//! - Cases are picked by declared capabilities: a case that needs a missing
//!   one prints `skipped: needs <capability>` and passes, and
//!   [`cases::unsupported_capabilities_refused`] checks that every
//!   undeclared operation fails with `CapabilityNotSupported`.
//! - Each case runs on a thread of its own and fails when it has not
//!   finished within `RS_CONFORMANCE_CASE_TIMEOUT` seconds (default 900),
//!   so a backend that hangs fails instead of stalling the run.
//! - Every case is a public `async fn` in [`cases`], so one can also be run
//!   alone with [`runner::store`] or [`runner::async_store`].
//! - [`cases::model_based_sequences`] runs random operation sequences against
//!   a model of the contract and shrinks a failure to a minimal sequence;
//!   `RS_CONFORMANCE_MODEL_CASES` sets how many (default 16 per face);
//!   [`cases::model_based_concurrent_sequences`] runs three tasks at once
//!   and checks that the outcomes are linearizable (half as many runs).
//!
//! Release policy: the macro and the runner are the stable surface; new
//! cases may arrive in minor releases. Release in lockstep with
//! `remote-store-core`.

pub mod cases;
pub mod data;
pub mod face;
pub mod runner;

/// Generates the whole suite for a backend factory; see the
/// [crate docs](crate).
#[macro_export]
macro_rules! conformance_tests {
    (sync, $factory:expr $(, skip: { $($skip:ident => $why:literal),* $(,)? })? $(,)?) => {
        $crate::conformance_tests!(@faces $factory; $($($skip => $why),*)?);
    };
    (async, $factory:expr $(, skip: { $($skip:ident => $why:literal),* $(,)? })? $(,)?) => {
        $crate::conformance_tests!(@faces $factory; $($($skip => $why),*)?);
    };
    (@faces $factory:expr; $($skip:ident => $why:literal),*) => {
        /// The suite through the sync `Store`.
        mod store {
            #[allow(unused_imports)]
            use super::*;
            /// Cases skipped for a known deviation of the server, and why.
            const __SKIPS: &[(&str, &str)] = &[$((stringify!($skip), $why)),*];
            $crate::__for_each_case!(store, $factory);
        }
        /// The suite through the `AsyncStore`.
        mod async_store {
            #[allow(unused_imports)]
            use super::*;
            /// Cases skipped for a known deviation of the server, and why.
            const __SKIPS: &[(&str, &str)] = &[$((stringify!($skip), $why)),*];
            $crate::__for_each_case!(async_store, $factory);
        }
    };
    ($factory:expr $(,)?) => {
        $crate::conformance_tests!(@faces $factory;);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __case {
    ($face:ident, $factory:expr, $name:ident) => {
        #[test]
        fn $name() {
            if let Some((_, why)) = __SKIPS.iter().find(|(n, _)| *n == stringify!($name)) {
                println!("skipped: {why}");
                return;
            }
            $crate::runner::$face(($factory)(), $crate::cases::$name);
        }
    };
}

/// The case list: the one place a new case is registered (a test checks
/// it against the functions in `cases`).
#[doc(hidden)]
#[macro_export]
macro_rules! __for_each_case {
    ($face:ident, $factory:expr) => {
        $crate::__cases!($face, $factory;
            write_then_read,
            write_results_report_what_was_stored,
            interrupted_source_reads_are_retried,
            seekable_reads_any_range,
            seekable_reader_is_pinned,
            writer_sink_round_trip,
            writer_sink_dropped_discards,
            writer_sink_refuses_like_write,
            writer_sink_fails_every_call_after_a_failure,
            conditional_write_compare_and_swap,
            conditional_read_is_pinned,
            compare_and_swap_with_16_updaters,
            conditional_delete,
            presign_requests,
            write_attributes_are_kept,
            write_attributes_refused_when_bad,
            write_refuses_existing_without_overwrite,
            write_overwrites_when_asked,
            write_creates_parent_folders,
            write_empty_file,
            write_failing_source_leaves_nothing,
            write_atomic_contract,
            read_missing_is_not_found,
            read_range_contract,
            read_range_extremes,
            read_range_single_bytes,
            read_with_info_describes_the_bytes,
            read_with_info_keeps_the_callers_condition,
            list_files_direct_only,
            list_files_recursive,
            list_files_with_depth_and_pattern,
            list_folders_direct_only,
            list_missing_folder_is_empty,
            listed_paths_round_trip,
            entries_after_a_subfolder_are_listed,
            delete_file,
            delete_folder_recursive,
            delete_folder_refuses_non_empty,
            delete_folder_missing,
            delete_batch_answers_each_path,
            delete_batch_spans_requests,
            empty_folder_semantics,
            rename_moves,
            rename_overwrite_flag,
            rename_missing_source,
            copy_copies,
            copy_overwrite_flag,
            onto_itself_changes_nothing,
            exists_is_file_is_folder,
            file_info_fields,
            file_info_missing,
            folder_info_totals,
            glob_matches,
            unicode_and_spaces_in_names,
            random_names_round_trip,
            paths_are_normalized,
            invalid_paths_rejected,
            file_ops_on_root_rejected,
            child_store_is_scoped,
            native_paths_round_trip,
            unsupported_capabilities_refused,
            closed_store_refuses_io,
            large_file_streams,
            list_10k_entries,
            concurrent_writers_distinct_paths,
            concurrent_exclusive_writers,
            concurrent_mixed_operations,
            concurrent_large_streamed_atomic_writes,
            store_survives_a_second_runtime,
            list_folders_includes_folders_of_folders,
            closed_backend_refuses_io,
            backend_refuses_undeclared_options,
            to_key_refuses_outside_the_backend,
            file_info_has_modified_time,
            delete_and_delete_folder_keep_to_their_kind,
            delete_folder_of_the_root,
            write_onto_folder_or_below_file_refused,
            transfer_onto_a_folder_refused,
            wrong_kind_operands,
            paths_below_a_file_are_absent,
            root_refused_as_any_file_operand,
            empty_root_is_a_folder,
            check_health_succeeds,
            closed_refusal_comes_first,
            abandoned_read_streams_release,
            read_stream_across_close,
            backend_root_is_a_folder,
            root_native_path_round_trips,
            backend_identity_is_stable,
            every_writer_refused_onto_folders_and_below_files,
            folder_names_after_emptying_and_deleting,
            failed_and_chunked_atomic_writes,
            failed_writes_leave_no_folders,
            failed_and_good_writers_share_new_folders,
            names_are_literal_in_folder_operations,
            names_are_literal_in_transfers,
            error_paths_name_the_operand,
            model_based_sequences,
            model_based_sequences_with_conflicts,
            model_based_concurrent_sequences,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __cases {
    ($face:ident, $factory:expr; $($name:ident),* $(,)?) => {
        $( $crate::__case!($face, $factory, $name); )*

        /// Every skipped name is a case: a misspelt or stale skip fails.
        #[test]
        fn skips_name_real_cases() {
            const NAMES: &[&str] = &[$(stringify!($name)),*];
            for (skip, _) in __SKIPS {
                assert!(NAMES.contains(skip), "skip: no case is named {skip}");
            }
        }
    };
}

#[cfg(test)]
mod tests {
    /// Every public case function is registered in `__for_each_case!`.
    #[test]
    fn every_case_is_registered() {
        let lib = include_str!("lib.rs");
        let list_start = lib.find("$crate::__cases!($face, $factory;").unwrap();
        let list = &lib[list_start..lib[list_start..].find(");").unwrap() + list_start];
        let mut registered: Vec<&str> = list
            .lines()
            .skip(1)
            .map(|l| l.trim().trim_end_matches(','))
            .filter(|l| !l.is_empty())
            .collect();
        // Every file in `cases/`, read from disk so a new file cannot be forgotten here.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cases");
        let sources: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
            .collect();
        let mut defined: Vec<&str> = sources
            .iter()
            .flat_map(|s| s.lines())
            .filter_map(|l| l.strip_prefix("pub async fn "))
            .map(|l| &l[..l.find('(').unwrap()])
            .collect();
        registered.sort_unstable();
        defined.sort_unstable();
        assert_eq!(registered, defined);
    }
}

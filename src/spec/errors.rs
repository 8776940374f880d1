//! DLI's own error codes, as `CLAUSES.md` lists them from the API reference's "错误码" page
//! (dli_02_0056): each code with the status the real service answers it with and what it means.
//!
//! Written once here and read by the stages that need a code: the checker recognises a used-up
//! quota by [`QUOTA_INSUFFICIENT`] (`crate::check`), the reference mock answers with the same
//! codes as the real service (`crate::mock`). Gateway codes (`APIG.*`) belong to the
//! environment, not to DLI, and are not listed.

/// One documented error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    /// The `error_code` member, e.g. `DLI.0001`.
    pub code: &'static str,
    /// The HTTP status the service answers it with.
    pub status: u16,
    /// What it means, as the reference page says.
    pub meaning: &'static str,
}

/// 400 `DLI.0001`: a parameter check failed (the answer to an invalid request).
pub const PARAMETER_CHECK: ErrorCode = ErrorCode {
    code: "DLI.0001",
    status: 400,
    meaning: "parameter check error",
};

/// 400 `DLI.0002`: the object does not exist.
pub const OBJECT_NOT_FOUND: ErrorCode = ErrorCode {
    code: "DLI.0002",
    status: 400,
    meaning: "object does not exist",
};

/// 400 `DLI.0999`: a server fault reported with status 400.
pub const SERVER_SYSTEM_ERROR: ErrorCode = ErrorCode {
    code: "DLI.0999",
    status: 400,
    meaning: "server system error",
};

/// 400 `DLI.1028`: the project's quota is insufficient (配额不足), the real service's quota answer.
pub const QUOTA_INSUFFICIENT: ErrorCode = ErrorCode {
    code: "DLI.1028",
    status: 400,
    meaning: "quota insufficient",
};

/// Every code the reference page lists, in its order.
pub const ALL: &[ErrorCode] = &[
    PARAMETER_CHECK,
    OBJECT_NOT_FOUND,
    ErrorCode {
        code: "DLI.0006",
        status: 400,
        meaning: "object exists",
    },
    ErrorCode {
        code: "DLI.0007",
        status: 400,
        meaning: "operation not supported",
    },
    ErrorCode {
        code: "DLI.0009",
        status: 400,
        meaning: "system restriction",
    },
    ErrorCode {
        code: "DLI.0013",
        status: 401,
        meaning: "user authentication error",
    },
    ErrorCode {
        code: "DLI.0014",
        status: 401,
        meaning: "service authentication error",
    },
    ErrorCode {
        code: "DLI.0015",
        status: 400,
        meaning: "token parsing error",
    },
    SERVER_SYSTEM_ERROR,
    QUOTA_INSUFFICIENT,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The list is the one `CLAUSES.md` writes: every code there, with its status.
    #[test]
    fn the_list_matches_the_clauses_file() {
        let clauses = include_str!("../../tests/spec/CLAUSES.md");
        let listed = clauses
            .split("DLI's own error codes")
            .nth(1)
            .and_then(|rest| rest.split("\n- ").next())
            .expect("CLAUSES.md lists DLI's error codes");
        let listed = listed.split_whitespace().collect::<Vec<_>>().join(" ");
        for known in ALL {
            let entry = format!("{} `{}`", known.status, known.code);
            assert!(listed.contains(&entry), "{entry} is not in CLAUSES.md");
        }
        assert_eq!(listed.matches("`DLI.").count(), ALL.len());
    }
}

//! Every command's exit status, named in one place (the README documents them).

use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// It did what was asked: every input graded (whatever the verdicts), the gate held.
    Success,
    /// It completed, and something needs attention: an input that could not be graded
    /// (an error row), lint problems, a failed gate, a regression the rubrics no longer catch.
    Problems,
    /// It could not run, or not trustworthily: bad arguments or policy, no inputs, an
    /// unreadable or incomplete run directory, an internal error.
    Failure,
}

impl Exit {
    /// `Problems` when `problems` holds, else `Success`.
    pub(crate) fn problems_if(problems: bool) -> Exit {
        if problems { Exit::Problems } else { Exit::Success }
    }

    pub(crate) fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Problems => 1,
            Exit::Failure => 2,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

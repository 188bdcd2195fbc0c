//! Which tools run shell commands: the one list every format reader and the grader use.
//!
//! Agents name their shell tool differently (`Bash` in Claude Code, `execute_bash` in
//! OpenHands, `shell`/`exec_command`/`local_shell` in Codex, `run_shell_command` in Gemini CLI,
//! `bash_session` in Inspect, …); a call of any of them whose arguments hold a command line
//! (`command`, else `cmd`: a string, or an argv array) ran that command. Readers record such a
//! call as a [`Command`](crate::Command) with the call's id too, and the grader reads the
//! command of a shell tool call that no `command` record carries.
//!
//! Names are compared without regard to ASCII case (`Bash` and `bash` are one tool).

use serde_json::Value;

/// Tool names whose calls run a shell command line (compared ignoring ASCII case).
pub const SHELL_TOOLS: &[&str] = &[
    "bash",
    "sh",
    "zsh",
    "shell",
    "terminal",
    "powershell",
    "bash_session",
    "exec_command",
    "shell_command",
    "run_shell_command",
    "run_terminal_cmd",
    "run_in_terminal",
    "run_command",
    "execute_command",
    "execute_bash",
    "local_shell",
    "container.exec",
];

/// Shell programs that take a script after `-c` (or `-lc`): an argv `[bash, -lc, script]` ran
/// `script`. Matched on the program's file name (`/bin/zsh` is `zsh`).
pub const SHELL_PROGRAMS: &[&str] = &["bash", "sh", "zsh", "dash"];

/// Whether a tool of this name runs shell commands.
pub fn is_shell_tool(name: &str) -> bool {
    SHELL_TOOLS.iter().any(|t| t.eq_ignore_ascii_case(name))
}

/// Whether `program` (a path or a bare name) is one of the [`SHELL_PROGRAMS`].
pub fn is_shell_program(program: &str) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program);
    SHELL_PROGRAMS.contains(&name)
}

/// The command line a shell tool call ran: `command`, else `cmd`, as a string or an argv
/// array (see [`command_line`]). `None` for a tool that is not a shell, a blank command, or
/// input typed into a command already running (`is_input: true`, as OpenHands records it).
pub fn shell_command(tool: &str, args: &Value) -> Option<String> {
    if !is_shell_tool(tool) {
        return None;
    }
    if matches!(args.get("is_input"), Some(Value::Bool(true)))
        || args.get("is_input").and_then(Value::as_str) == Some("true")
    {
        return None;
    }
    let command = match args.get("command").or_else(|| args.get("cmd"))? {
        Value::String(s) => s.clone(),
        Value::Array(argv) => command_line(argv)?,
        _ => return None,
    };
    (!command.trim().is_empty()).then_some(command)
}

/// An argv as a readable command line: `["bash", "-lc", "script"]` is `script`; any other argv
/// is joined, quoting (POSIX shell style) what needs it. `None` when an element is no string.
pub fn command_line(argv: &[Value]) -> Option<String> {
    let args: Vec<&str> = argv.iter().map(Value::as_str).collect::<Option<_>>()?;
    if let [shell, flag, script] = args.as_slice()
        && is_shell_program(shell)
        && matches!(*flag, "-lc" | "-c")
    {
        return Some((*script).to_owned());
    }
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            let plain = !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
            if plain { (*a).to_owned() } else { format!("'{}'", a.replace('\'', "'\\''")) }
        })
        .collect();
    Some(quoted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shell_tools_by_name_in_any_case() {
        for name in ["Bash", "bash", "PowerShell", "execute_bash", "exec_command", "container.exec", "BASH_SESSION"] {
            assert!(is_shell_tool(name), "{name}");
        }
        for name in ["python", "bash_command", "mcp__x__bash", "str_replace_editor", "", "bashful"] {
            assert!(!is_shell_tool(name), "{name}");
        }
        assert!(is_shell_program("/usr/bin/zsh") && is_shell_program("dash") && !is_shell_program("python3"));
    }

    #[test]
    fn commands_from_strings_and_argv() {
        assert_eq!(shell_command("Bash", &json!({"command": "ls -la"})).as_deref(), Some("ls -la"));
        assert_eq!(shell_command("exec_command", &json!({"cmd": "pwd"})).as_deref(), Some("pwd"));
        let argv = json!({"command": ["bash", "-lc", "git status"]});
        assert_eq!(shell_command("shell", &argv).as_deref(), Some("git status"));
        assert_eq!(shell_command("execute_bash", &json!({"command": "q", "is_input": "true"})), None);
        assert_eq!(shell_command("execute_bash", &json!({"command": "q", "is_input": true})), None);
        assert_eq!(shell_command("bash", &json!({"command": "  "})), None);
        assert_eq!(shell_command("bash", &json!({"command": 3})), None);
        assert_eq!(shell_command("python", &json!({"command": "ls"})), None);
    }

    #[test]
    fn argv_commands_read_as_command_lines() {
        let c = |v: Value| command_line(v.as_array().unwrap());
        assert_eq!(c(json!(["bash", "-lc", "ls -la && cat x"])).as_deref(), Some("ls -la && cat x"));
        assert_eq!(c(json!(["/bin/zsh", "-lc", "pwd"])).as_deref(), Some("pwd"));
        assert_eq!(c(json!(["rg", "-n", "foo bar", "src/"])).as_deref(), Some("rg -n 'foo bar' src/"));
        assert_eq!(c(json!(["echo", "it's"])).as_deref(), Some("echo 'it'\\''s'"));
        assert_eq!(c(json!(["ls", 3])), None);
    }
}

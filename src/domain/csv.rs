//! CSV lines (RFC 4180) for exports. Text in Plinth's exports comes from
//! API callers (model, assistant and end-user names), so a cell that a
//! spreadsheet would run as a formula is written as text instead.
use std::fmt::Write;

/// One CSV cell.
pub enum Cell<'a> {
    /// Text from anyone: quoted as needed, formulas defused.
    Text(&'a str),
    Int(i64),
    /// A number Plinth formatted (an exact decimal, a timestamp): as is.
    Number(String),
}

/// One line, with its CRLF ending.
pub fn line(cells: &[Cell]) -> String {
    let mut out = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match c {
            Cell::Text(s) => out.push_str(&text(s)),
            Cell::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Cell::Number(s) => out.push_str(s),
        }
    }
    out.push_str("\r\n");
    out
}

/// A header line from column names.
pub fn header(columns: &[&str]) -> String {
    line(&columns.iter().map(|c| Cell::Text(c)).collect::<Vec<_>>())
}

fn text(s: &str) -> String {
    // Spreadsheets run cells that start with = + - @ (or a tab or CR) as formulas.
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(line(&[Cell::Text("gpt-4o"), Cell::Int(-3), Cell::Number("0.000000001".into())]), "gpt-4o,-3,0.000000001\r\n");
        assert_eq!(line(&[Cell::Text("a,b"), Cell::Text("say \"hi\""), Cell::Text("two\nlines")]), "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
        assert_eq!(
            line(&[Cell::Text("=HYPERLINK(\"x\")"), Cell::Text("+1"), Cell::Text("@sum"), Cell::Text("-2")]),
            "\"'=HYPERLINK(\"\"x\"\")\",'+1,'@sum,'-2\r\n"
        );
        assert_eq!(line(&[Cell::Text("")]), "\r\n");
        assert_eq!(header(&["id", "model"]), "id,model\r\n");
    }
}

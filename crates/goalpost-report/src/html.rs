//! `report.html` (being written).
use crate::summary::Report;

pub fn render(r: &Report) -> String {
    maud::html! { h1 { (r.run_id) } }.into_string()
}

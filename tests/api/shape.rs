//! The code's shape, checked like behaviour: no import circle among the
//! modules of `src/`, no page file over 250 lines, and page data created
//! one way.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module of the library (`server::guard`, `pages::team::members`, …) and its source.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/src")).unwrap();
                let name = rel.with_extension("").to_string_lossy().replace("/mod", "").replace('/', "::");
                if name != "lib" && name != "main" {
                    // Test modules may reach anywhere.
                    let source = std::fs::read_to_string(&path).unwrap();
                    let code = source.split("#[cfg(test)]").next().unwrap_or_default().to_string();
                    out.insert(name, code);
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

/// Module → the modules it names through `crate::…` paths.
fn imports(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let resolve = |path: &str| {
        let segs: Vec<&str> = path.split("::").collect();
        (1..=segs.len()).rev().map(|n| segs[..n].join("::")).find(|m| modules.contains_key(m))
    };
    modules
        .iter()
        .map(|(name, code)| {
            let mut deps = BTreeSet::new();
            for (at, _) in code.match_indices("crate::") {
                let path: String = code[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':').collect();
                if let Some(dep) = resolve(path.trim_end_matches(':'))
                    && dep != *name
                    && !name.starts_with(&format!("{dep}::"))
                {
                    deps.insert(dep);
                }
            }
            (name.clone(), deps)
        })
        .collect()
}

/// A circle of imports, if there is one (depth-first search for a back edge).
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(node: &str, graph: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_string());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for dep in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(dep, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_import_circle_among_modules() {
    let graph = imports(&modules());
    assert!(graph.len() > 20, "found the modules");
    assert!(graph["server::guard"].contains("domain::policy"), "found the imports");
    if let Some(circle) = find_circle(&graph) {
        panic!("import circle: {}", circle.join(" → "));
    }
}

#[test]
fn the_router_is_imported_only_by_the_server_router() {
    let importers: Vec<_> = imports(&modules()).into_iter().filter(|(_, deps)| deps.contains("app")).map(|(m, _)| m).collect();
    assert_eq!(importers, ["server::app"]);
}

/// A public API route added with `.route(` would be served but missing from
/// the OpenAPI document; `.routes(routes!(handler))` registers both.
#[test]
fn public_api_routes_come_from_their_documentation() {
    for (name, source) in modules().iter().filter(|(m, _)| m.starts_with("server::public_api")) {
        assert!(!source.contains(".route("), "{name} registers a route outside the OpenAPI document");
    }
    assert!(modules()["server::public_api"].contains(".routes(routes!("));
}

#[test]
fn the_circle_check_finds_a_circle() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", "b"), ("b", "c"), ("c", "a")].into_iter().map(|(m, d)| (m.to_string(), BTreeSet::from([d.to_string()]))).collect();
    assert_eq!(find_circle(&graph).map(|c| c.len()), Some(4));
}

#[test]
fn page_files_stay_small() {
    let pages: Vec<_> = modules().into_iter().filter(|(name, _)| name.starts_with("pages")).collect();
    assert!(pages.len() > 5);
    let long: Vec<_> = pages
        .iter()
        .map(|(name, _)| {
            let file = name.replace("::", "/");
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
            let path = [root.join(format!("{file}.rs")), root.join(format!("{file}/mod.rs"))].into_iter().find(|p| p.exists()).unwrap();
            (name.clone(), std::fs::read_to_string(path).unwrap().lines().count())
        })
        .filter(|(_, lines)| *lines > 250)
        .collect();
    assert!(long.is_empty(), "page files over 250 lines: {long:?}");
}

/// Page data goes through `components::page_data`, whose codec reads it with
/// the same JSON reader as server functions' answers: a `Resource::new`
/// elsewhere compiles its type's deserializer into the bundle a second time.
#[test]
fn resources_are_created_with_page_data() {
    let modules = modules();
    assert!(modules.values().filter(|code| code.contains("page_data(")).count() > 10);
    let direct: Vec<_> = modules
        .iter()
        .filter(|(name, code)| name.as_str() != "components::page_data" && (code.contains("Resource::new") || code.contains("OnceResource")))
        .map(|(name, _)| name.clone())
        .collect();
    assert!(direct.is_empty(), "resources created without page_data in: {direct:?}");
}

/// A `Suspense` body written as `move || Suspend::new(..)` is built up to
/// three times per server render; `suspense_body` builds it once there
/// (README, "Performance").
#[test]
fn suspense_bodies_go_through_suspense_body() {
    let modules = modules();
    assert!(modules.values().filter(|code| code.contains("suspense_body!(")).count() >= 6);
    let direct: Vec<_> =
        modules.iter().filter(|(name, code)| name.as_str() != "components::feedback" && code.contains("Suspend::new")).map(|(name, _)| name.clone()).collect();
    assert!(direct.is_empty(), "Suspense bodies built without suspense_body in: {direct:?}");
}

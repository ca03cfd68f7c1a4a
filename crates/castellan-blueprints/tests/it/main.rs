//! scratch
use saphyr::{LoadableYamlNode, MarkedYamlOwned, YamlDataOwned};
fn dump(n: &MarkedYamlOwned, d: usize) {
    let pad = " ".repeat(d*2);
    let s = n.span;
    match &n.data {
        YamlDataOwned::Mapping(m) => { println!("{pad}MAP @{}:{}-{}:{}", s.start.line(), s.start.col(), s.end.line(), s.end.col()); for (k,v) in m { println!("{pad} key {:?} @{}:{}", k.data, k.span.start.line(), k.span.start.col()); dump(v, d+1);} }
        YamlDataOwned::Sequence(v) => { println!("{pad}SEQ @{}:{}", s.start.line(), s.start.col()); for x in v { dump(x, d+1);} }
        YamlDataOwned::Tagged(t, inner) => { println!("{pad}TAG {}{} @{}:{} idx {}", t.handle, t.suffix, s.start.line(), s.start.col(), s.start.index()); dump(inner, d+1); }
        other => println!("{pad}{:?} @{}:{} idx {}", other, s.start.line(), s.start.col(), s.start.index()),
    }
}
#[test]
fn scratch() {
    let text = "a: !KeyOf flow\nb: !Find [x.y, [slug, 'z']]\nc: 'yes'\nd: yes\ne: |\n  hi\n  there\nf: !Env\ng: !!str 3\nh:\n  !Format [\"%s\", 1]\ni: \"x\"\nj: !Value 0\n";
    let docs = MarkedYamlOwned::load_from_str(text).unwrap();
    dump(&docs[0], 0);
    let e = MarkedYamlOwned::load_from_str("a: [1,\nb: 2\n").unwrap_err();
    println!("{} {} {}", e.marker().line(), e.marker().col(), e.info());
    let e = MarkedYamlOwned::load_from_str("a: 1\na: 2\n").unwrap_err();
    println!("{} {} {}", e.marker().line(), e.marker().col(), e.info());
    let d = MarkedYamlOwned::load_from_str("").unwrap();
    println!("{}", d.len());
}

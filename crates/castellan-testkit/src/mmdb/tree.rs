//! The MaxMind DB binary search tree ("Search Tree Section"): one bit of the address per level,
//! each node two records (0 branch, 1 branch) that hold a node number, the node count for "no
//! data", or the node count + 16 + a data-section offset.
use std::collections::VecDeque;

/// A trie node while building.
#[derive(Debug, Clone)]
enum Node {
    Empty,
    Data(usize),
    /// Points at the IPv4 subtree (`::/96`).
    Alias,
    Inner(Box<Node>, Box<Node>),
}

/// A record of the flattened tree.
#[derive(Debug, Clone, Copy)]
enum Record {
    Node(usize),
    Empty,
    Data(usize),
    Alias,
}

/// The encoded search tree.
#[derive(Debug)]
pub(crate) struct Layout {
    /// The tree's bytes.
    pub bytes: Vec<u8>,
    /// Number of nodes.
    pub node_count: u32,
    /// Bits per record.
    pub record_size: u16,
}

/// The search tree of a database whose addresses have `bits` bits.
#[derive(Debug)]
pub(crate) struct Tree {
    bits: u32,
    root: Node,
}

impl Tree {
    /// An empty tree over `bits`-bit addresses (32 or 128).
    pub fn new(bits: u32) -> Self {
        Self {
            bits,
            root: Node::Empty,
        }
    }

    /// Points the first `depth` bits of `key` at the data at `offset`.
    pub fn insert(&mut self, key: u128, depth: u32, offset: usize) {
        self.put(key, depth, Node::Data(offset));
    }

    fn put(&mut self, key: u128, depth: u32, leaf: Node) {
        let bits = self.bits;
        let mut node = &mut self.root;
        for level in 0..depth {
            if !matches!(node, Node::Inner(..)) {
                let old = std::mem::replace(node, Node::Empty);
                *node = Node::Inner(Box::new(old.clone()), Box::new(old));
            }
            let Node::Inner(zero, one) = node else {
                unreachable!("just split")
            };
            node = if (key >> (bits - 1 - level)) & 1 == 1 {
                one
            } else {
                zero
            };
        }
        *node = leaf;
    }

    /// Makes `::ffff:0:0/96` lead to the IPv4 subtree, as MaxMind's databases do.
    pub fn alias_ipv4_mapped(&mut self) {
        let mut node = &self.root;
        for _ in 0..96 {
            match node {
                Node::Inner(zero, _) => node = zero,
                _ => return,
            }
        }
        let leaf = match node {
            Node::Inner(..) => Node::Alias,
            Node::Data(offset) => Node::Data(*offset),
            Node::Empty | Node::Alias => return,
        };
        self.put(0xffff_u128 << 32, 96, leaf);
    }

    /// Numbers the nodes breadth first and encodes them with `record_size` bits per record
    /// (`None`: the smallest size the values fit in).
    pub fn layout(&self, data_len: usize, record_size: Option<u16>) -> Layout {
        let root = match &self.root {
            Node::Inner(..) => self.root.clone(),
            leaf => Node::Inner(Box::new(leaf.clone()), Box::new(leaf.clone())),
        };
        let mut nodes: Vec<(Record, Record)> = Vec::new();
        let mut queue: VecDeque<&Node> = VecDeque::from([&root]);
        let mut next = 1;
        while let Some(Node::Inner(zero, one)) = queue.pop_front() {
            let mut record = |child: &'_ Node| match child {
                Node::Inner(..) => {
                    next += 1;
                    Record::Node(next - 1)
                }
                Node::Empty => Record::Empty,
                Node::Data(offset) => Record::Data(*offset),
                Node::Alias => Record::Alias,
            };
            let pair = (record(zero), record(one));
            for child in [zero.as_ref(), one.as_ref()] {
                if matches!(child, Node::Inner(..)) {
                    queue.push_back(child);
                }
            }
            nodes.push(pair);
        }
        let count = nodes.len();
        let ipv4 = (0..96).try_fold(0usize, |at, _| match nodes[at].0 {
            Record::Node(n) => Some(n),
            _ => None,
        });
        let value = |r: Record| -> u64 {
            match r {
                Record::Node(n) => n as u64,
                Record::Empty => count as u64,
                Record::Data(offset) => (count + 16 + offset) as u64,
                Record::Alias => ipv4.map_or(count as u64, |n| n as u64),
            }
        };
        let max = (count + 16 + data_len) as u64;
        let size = record_size.unwrap_or(if max < 1 << 24 {
            24
        } else if max < 1 << 28 {
            28
        } else {
            32
        });
        assert!(max < 1 << size, "values do not fit {size}-bit records");
        let mut bytes = Vec::with_capacity(count * usize::from(size) / 4);
        for (zero, one) in &nodes {
            write_node(&mut bytes, size, value(*zero), value(*one));
        }
        Layout {
            bytes,
            node_count: count as u32,
            record_size: size,
        }
    }
}

/// Appends one node: two records of `size` bits, big-endian; with 28 bits the middle byte holds
/// the top nibble of the left record, then of the right one.
fn write_node(out: &mut Vec<u8>, size: u16, left: u64, right: u64) {
    let (l, r) = (left as u32, right as u32);
    match size {
        24 => {
            out.extend_from_slice(&l.to_be_bytes()[1..]);
            out.extend_from_slice(&r.to_be_bytes()[1..]);
        }
        28 => {
            out.extend_from_slice(&l.to_be_bytes()[1..]);
            out.push((((l >> 24) & 0x0f) << 4) as u8 | ((r >> 24) & 0x0f) as u8);
            out.extend_from_slice(&r.to_be_bytes()[1..]);
        }
        _ => {
            out.extend_from_slice(&l.to_be_bytes());
            out.extend_from_slice(&r.to_be_bytes());
        }
    }
}

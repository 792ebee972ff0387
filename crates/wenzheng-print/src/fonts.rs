//! The faces a document needs, one per typographic role of GB/T 9704: the official fonts
//! when the PC has them and allows embedding, otherwise the open-licensed Noto Serif SC
//! shipped with the app. Each face is read and parsed once; a [`FontSet`] is reused for
//! every document. Rare characters (CJK Extension B and beyond) that no common face has
//! come from the shipped rare-character faces ([`RARE_FACES`]), which are read only when
//! a document first needs one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use printpdf::ParsedFont;

use crate::PrintError;

/// A typographic role of an official document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 正文: 仿宋_GB2312.
    Body,
    /// 标题 and 发文机关标志: 方正小标宋.
    Title,
    /// 一级标题 (一、): 黑体.
    Heading,
    /// 二级标题 (（一）): 楷体.
    Kai,
    /// 页码: 宋体.
    PageNumber,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Body,
        Role::Title,
        Role::Heading,
        Role::Kai,
        Role::PageNumber,
    ];

    /// The official font the standard asks for.
    pub fn official_name(self) -> &'static str {
        match self {
            Role::Body => "仿宋_GB2312",
            Role::Title => "方正小标宋简体",
            Role::Heading => "黑体",
            Role::Kai => "楷体_GB2312",
            Role::PageNumber => "宋体",
        }
    }

    /// Family names that count as the official font, best first.
    fn candidates(self) -> &'static [&'static str] {
        match self {
            Role::Body => &[
                "仿宋_GB2312",
                "FangSong_GB2312",
                "仿宋",
                "FangSong",
                "方正仿宋_GBK",
                "方正仿宋简体",
                "华文仿宋",
                "STFangsong",
            ],
            Role::Title => &[
                "方正小标宋简体",
                "方正小标宋_GBK",
                "FZXiaoBiaoSong-B05S",
                "FZXiaoBiaoSong-B05",
            ],
            Role::Heading => &["黑体", "SimHei", "方正黑体_GBK", "方正黑体简体"],
            Role::Kai => &[
                "楷体_GB2312",
                "KaiTi_GB2312",
                "楷体",
                "KaiTi",
                "方正楷体_GBK",
                "华文楷体",
                "STKaiti",
            ],
            Role::PageNumber => &["宋体", "SimSun", "方正书宋_GBK"],
        }
    }

    /// Whether the shipped stand-in for this role is the bold face.
    fn bold(self) -> bool {
        matches!(self, Role::Title | Role::Heading)
    }
}

/// The shipped regular face.
pub const SHIPPED_REGULAR: &str = "NotoSerifSC_400Regular.ttf";
/// The shipped bold face.
pub const SHIPPED_BOLD: &str = "NotoSerifSC_700Bold.ttf";

/// The shipped faces for rare characters, tried in order for a character from U+20000 up
/// that the document's own faces lack: 花園明朝B (Extension B–F) and a subset of BabelStone
/// Han (Extension G–H). See `fonts/README.md` for their sources and licences.
pub const RARE_FACES: [&str; 2] = ["HanaMinB.ttf", "BabelStoneHan-ExtGH.ttf"];

/// The first code point a rare-character face is tried for (CJK Extension B).
const RARE_FROM: char = '\u{20000}';

/// One font face, parsed once.
pub struct Face {
    /// Family name as the font names itself.
    pub family: String,
    /// The file it came from.
    pub path: PathBuf,
    /// True for an official font found on the system, false for the shipped stand-in.
    pub official: bool,
    data: Arc<Vec<u8>>,
    index: u32,
    units_per_em: f32,
    pub(crate) parsed: ParsedFont,
    advances: Mutex<HashMap<char, Option<f32>>>,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face")
            .field("family", &self.family)
            .field("path", &self.path)
            .field("official", &self.official)
            .finish()
    }
}

impl Face {
    fn load(data: Vec<u8>, index: u32, path: PathBuf, official: bool) -> Result<Face, PrintError> {
        let bad = |why: &str| PrintError::Font(format!("{}：{why}", path.display()));
        let face = ttf_parser::Face::parse(&data, index).map_err(|e| bad(&e.to_string()))?;
        let family = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::FAMILY)
            .find_map(|n| n.to_string())
            .unwrap_or_else(|| path.display().to_string());
        let units_per_em = f32::from(face.units_per_em());
        let parsed = ParsedFont::from_bytes(&data, index as usize, &mut Vec::new())
            .ok_or_else(|| bad("无法解析字体"))?;
        Ok(Face {
            family,
            path,
            official,
            data: Arc::new(data),
            index,
            units_per_em,
            parsed,
            advances: Mutex::new(HashMap::new()),
        })
    }

    /// The advance of `c` in em, or `None` when the face has no glyph for it.
    pub fn advance(&self, c: char) -> Option<f32> {
        let mut cache = self.advances.lock().unwrap_or_else(|e| e.into_inner());
        *cache.entry(c).or_insert_with(|| {
            let face = ttf_parser::Face::parse(&self.data, self.index).ok()?;
            let gid = face.glyph_index(c)?;
            let adv = face.glyph_hor_advance(gid)?;
            Some(f32::from(adv) / self.units_per_em)
        })
    }
}

/// True when the face's OS/2 fsType allows embedding a subset in a document.
pub fn embedding_allowed(data: &[u8], index: u32) -> bool {
    let Ok(face) = ttf_parser::Face::parse(data, index) else {
        return false;
    };
    !matches!(
        face.permissions(),
        Some(ttf_parser::Permissions::Restricted)
    ) && face.is_subsetting_allowed()
        && face.is_outline_embedding_allowed()
}

/// Where to look for fonts.
#[derive(Debug, Clone, Default)]
pub struct FontOptions {
    /// The folder of the shipped fonts; default: `$WENZHENG_FONTS`, then `fonts/` beside
    /// the executable (Windows installer, build dirs), `../lib/wenzheng/fonts` and
    /// `../share/wenzheng/fonts` from it (Debian package), then the crate's own `fonts/`
    /// folder (a source checkout).
    pub shipped_dir: Option<PathBuf>,
    /// Do not look for official fonts on the system (tests; reproducible output).
    pub shipped_only: bool,
}

/// Which face stands in for a role.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FontChoice {
    /// The role, as the standard names its font (仿宋_GB2312 …).
    pub wanted: &'static str,
    /// The family used.
    pub used: String,
    /// True when `used` is an official font found on the PC.
    pub official: bool,
}

/// A rare-character face, read on first use; `None` once it proved missing or unreadable.
#[derive(Debug)]
struct RareFace {
    path: PathBuf,
    face: OnceLock<Option<Face>>,
}

impl RareFace {
    fn get(&self) -> Option<&Face> {
        self.face
            .get_or_init(|| {
                let data = std::fs::read(&self.path).ok()?;
                Face::load(data, 0, self.path.clone(), false).ok()
            })
            .as_ref()
    }
}

/// The faces of every role, parsed once.
#[derive(Debug)]
pub struct FontSet {
    faces: Vec<Arc<Face>>,
    roles: HashMap<Role, usize>,
    fallbacks: Vec<usize>,
    /// Numbered after `faces`: face `faces.len() + k` is `rare[k]`.
    rare: Vec<RareFace>,
}

fn shipped_dir(opts: &FontOptions) -> Result<PathBuf, PrintError> {
    let mut tried = Vec::new();
    if let Some(d) = &opts.shipped_dir {
        tried.push(d.clone());
    }
    if let Some(d) = std::env::var_os("WENZHENG_FONTS").filter(|d| !d.is_empty()) {
        tried.push(PathBuf::from(d));
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        tried.push(exe_dir.join("fonts"));
        // The Debian package: /usr/bin/… with the resources in /usr/lib/wenzheng/.
        tried.push(exe_dir.join("../lib/wenzheng/fonts"));
        tried.push(exe_dir.join("../share/wenzheng/fonts"));
    }
    tried.push(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts")));
    tried
        .iter()
        .find(|d| d.join(SHIPPED_REGULAR).is_file())
        .cloned()
        .ok_or_else(|| {
            let list: Vec<String> = tried.iter().map(|d| d.display().to_string()).collect();
            PrintError::Font(format!(
                "找不到随程序提供的字体 {SHIPPED_REGULAR}（查找了：{}）",
                list.join("；")
            ))
        })
}

impl FontSet {
    /// Finds and parses the faces: official fonts from the system where present and
    /// embeddable, the shipped Noto Serif SC otherwise.
    pub fn load(opts: &FontOptions) -> Result<FontSet, PrintError> {
        let dir = shipped_dir(opts)?;
        let mut faces: Vec<Arc<Face>> = Vec::new();
        let mut roles = HashMap::new();
        let mut system = None;
        if !opts.shipped_only {
            let mut db = fontdb::Database::new();
            db.load_system_fonts();
            system = Some(db);
        }
        let mut by_path: HashMap<(PathBuf, u32), usize> = HashMap::new();
        for role in Role::ALL {
            let found = system.as_ref().and_then(|db| find_official(db, role));
            let (path, index, official, data) = match found {
                Some((path, index, data)) => (path, index, true, Some(data)),
                None => {
                    let file = if role.bold() {
                        SHIPPED_BOLD
                    } else {
                        SHIPPED_REGULAR
                    };
                    let mut path = dir.join(file);
                    if !path.is_file() {
                        path = dir.join(SHIPPED_REGULAR);
                    }
                    (path, 0, false, None)
                }
            };
            let i = match by_path.get(&(path.clone(), index)) {
                Some(&i) => i,
                None => {
                    let data = match data {
                        Some(d) => d,
                        None => std::fs::read(&path).map_err(|e| {
                            PrintError::Font(format!("无法读取字体 {}：{e}", path.display()))
                        })?,
                    };
                    faces.push(Arc::new(Face::load(data, index, path.clone(), official)?));
                    by_path.insert((path, index), faces.len() - 1);
                    faces.len() - 1
                }
            };
            roles.insert(role, i);
        }
        // Characters a face lacks come from the shipped faces.
        let mut fallbacks = Vec::new();
        for file in [SHIPPED_REGULAR, SHIPPED_BOLD] {
            let path = dir.join(file);
            if let Some(&i) = by_path.get(&(path.clone(), 0)) {
                fallbacks.push(i);
            } else if path.is_file() {
                let data = std::fs::read(&path)?;
                faces.push(Arc::new(Face::load(data, 0, path.clone(), false)?));
                by_path.insert((path, 0), faces.len() - 1);
                fallbacks.push(faces.len() - 1);
            }
        }
        let rare = RARE_FACES
            .iter()
            .map(|f| RareFace {
                path: dir.join(f),
                face: OnceLock::new(),
            })
            .collect();
        Ok(FontSet {
            faces,
            roles,
            fallbacks,
            rare,
        })
    }

    /// True when face number `i` is a rare-character face.
    pub(crate) fn is_rare(&self, i: usize) -> bool {
        i >= self.faces.len()
    }

    /// Face number `i` as [`FontSet::resolve`] numbers them (a rare face is read here
    /// on first use).
    pub(crate) fn face_at(&self, i: usize) -> Option<&Face> {
        match self.faces.get(i) {
            Some(f) => Some(f),
            None => self.rare.get(i - self.faces.len())?.get(),
        }
    }

    /// The face of a role.
    pub fn face(&self, role: Role) -> &Face {
        &self.faces[self.roles[&role]]
    }

    /// Which face prints `c` in `role`: the role's own, else the first fallback that has
    /// it, else (from Extension B up) the first rare-character face that has it; `None`
    /// when no face has the character.
    pub(crate) fn resolve(&self, role: Role, c: char) -> Option<(usize, f32)> {
        let own = self.roles[&role];
        let rare = (c >= RARE_FROM)
            .then(|| self.faces.len()..self.faces.len() + self.rare.len())
            .into_iter()
            .flatten();
        std::iter::once(own)
            .chain(self.fallbacks.iter().copied())
            .chain(rare)
            .find_map(|i| self.face_at(i)?.advance(c).map(|a| (i, a)))
    }

    /// The face used for each role, so the caller can say which font stood in.
    pub fn choices(&self) -> Vec<FontChoice> {
        Role::ALL
            .iter()
            .map(|&r| {
                let f = self.face(r);
                FontChoice {
                    wanted: r.official_name(),
                    used: f.family.clone(),
                    official: f.official,
                }
            })
            .collect()
    }
}

fn find_official(db: &fontdb::Database, role: Role) -> Option<(PathBuf, u32, Vec<u8>)> {
    for name in role.candidates() {
        for info in db.faces() {
            if !info.families.iter().any(|(f, _)| f == name) {
                continue;
            }
            let path = match &info.source {
                fontdb::Source::File(p) | fontdb::Source::SharedFile(p, _) => p.clone(),
                fontdb::Source::Binary(_) => continue,
            };
            let Some(data) = db.with_face_data(info.id, |d, _| d.to_vec()) else {
                continue;
            };
            if embedding_allowed(&data, info.index) {
                return Some((path, info.index, data));
            }
        }
    }
    None
}

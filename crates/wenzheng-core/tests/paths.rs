//! A database file whose path has Chinese, spaces and URL-reserved characters opens, is
//! written, and is found again at exactly that path (the Any driver reaches SQLite by URL).

use wenzheng_core::db::Location;
use wenzheng_core::Service;

#[tokio::test]
async fn a_path_with_chinese_spaces_and_reserved_characters_opens_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("网络问政 数据 #1 ?100% & more");
    let file = folder.join("办理 系统.db");
    let svc = Service::connect(&Location::parse(file.to_str().unwrap()))
        .await
        .unwrap();
    let admin = svc.actor(None).await.unwrap();
    assert_eq!(admin.login, "admin");
    svc.shutdown().await;
    assert!(file.is_file(), "the file is where it was asked to be");
    let entries: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        entries.iter().all(|n| n.starts_with("办理 系统.db")),
        "no file under another name: {entries:?}"
    );
    // `sqlite:` URLs name the same file.
    let again = Service::connect(&Location::parse(&format!("sqlite:{}", file.display())))
        .await
        .unwrap();
    assert_eq!(again.db().file(), Some(file.as_path()));
    again.shutdown().await;
}

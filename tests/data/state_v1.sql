-- a state.db written by sheets-sync 0.1.0 (git tag v0.1.0): sync_project + DecisionStore
BEGIN TRANSACTION;
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, at TEXT NOT NULL,
    book TEXT NOT NULL, tab TEXT NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL,
    old TEXT NOT NULL, new TEXT NOT NULL, source TEXT NOT NULL);
CREATE TABLE backups (
    run_id INTEGER NOT NULL, book TEXT NOT NULL, tab TEXT NOT NULL, existed INTEGER NOT NULL,
    position INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (run_id, book, tab));
CREATE TABLE base_undo (
    run_id INTEGER NOT NULL, form TEXT NOT NULL, book TEXT NOT NULL, record_id TEXT NOT NULL,
    data TEXT);
INSERT INTO "base_undo" VALUES(1,'child','总表.xlsx','C0001',NULL);
CREATE TABLE bases (
    form TEXT NOT NULL, book TEXT NOT NULL, record_id TEXT NOT NULL, data TEXT NOT NULL,
    run_id INTEGER NOT NULL, PRIMARY KEY (form, book, record_id));
INSERT INTO "bases" VALUES('child','总表.xlsx','C0001','{"姓名": "王小明", "县": "满城"}',1);
CREATE TABLE dedupe_audit (
    run_at TEXT NOT NULL, tab TEXT NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL,
    old TEXT NOT NULL, new TEXT NOT NULL, action TEXT NOT NULL);
INSERT INTO "dedupe_audit" VALUES('2026-07-08T10:00:00+08:00','留守儿童家庭情况登记表','C0001','班级','','2班','补全(来自 C0007)');
CREATE TABLE dedupe_decisions (
    form TEXT NOT NULL, id_a TEXT NOT NULL, id_b TEXT NOT NULL,
    decision TEXT NOT NULL, decided_at TEXT NOT NULL, source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (form, id_a, id_b));
INSERT INTO "dedupe_decisions" VALUES('child','C0001','C0007','不是同一人','2026-07-08T10:00:00+08:00','sheet');
CREATE TABLE id_marks (prefix TEXT PRIMARY KEY, high INTEGER NOT NULL);
CREATE TABLE pending_ids (
    form TEXT NOT NULL, book TEXT NOT NULL, fingerprint TEXT NOT NULL,
    record_id TEXT NOT NULL, run_id INTEGER NOT NULL);
CREATE TABLE run_books (
    run_id INTEGER NOT NULL, book TEXT NOT NULL, status TEXT NOT NULL, message TEXT,
    cells INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, book));
INSERT INTO "run_books" VALUES(1,'总表.xlsx','written','',0);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, started TEXT NOT NULL,
    ended TEXT, status TEXT NOT NULL, counts TEXT, message TEXT);
INSERT INTO "runs" VALUES(1,'sync','2026-12-01T21:37:38','2026-12-01T21:37:38','ok','{"updated": 0}','');
CREATE TABLE sync_schema_version (version INTEGER NOT NULL);
INSERT INTO "sync_schema_version" VALUES(1);
CREATE TABLE tombstones (
    form TEXT NOT NULL, record_id TEXT NOT NULL, run_id INTEGER NOT NULL, by TEXT NOT NULL,
    PRIMARY KEY (form, record_id));
CREATE INDEX base_undo_run ON base_undo (run_id);
CREATE INDEX audit_record ON audit (record_id);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('runs',1);
COMMIT;

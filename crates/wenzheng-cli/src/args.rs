//! The command line, as clap parses it. The commands, options and exit codes are a
//! contract documented in `docs/cli.md`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// 网络问政办理系统命令行工具 — the administrator's and scripter's face of the product.
#[derive(Debug, Parser)]
#[command(name = "wenzheng", version, about = "网络问政办理系统命令行工具", long_about = None)]
pub struct Cli {
    /// Options that every command takes, before or after it.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after the subcommand.
#[derive(Debug, Args)]
pub struct Global {
    /// 数据库：文件路径（默认与桌面程序相同，位于用户数据目录），或 postgres://用户:密码@服务器/库 的服务器地址
    #[arg(long, global = true, env = "WENZHENG_DB", value_name = "PATH|URL")]
    pub db: Option<String>,
    /// 当前时间（北京时间），如 "2026-02-13 10:00"；默认读取系统时钟
    #[arg(long, global = true, value_name = "YYYY-MM-DD HH:MM")]
    pub now: Option<String>,
    /// 以该用户身份操作（默认：系统管理员 admin）
    #[arg(long = "as", global = true, value_name = "USER")]
    pub as_user: Option<String>,
    /// 输出 JSON（供脚本使用，字段见 docs/cli.md）
    #[arg(long, global = true)]
    pub json: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// 计算期限：受理期限与答复期限（工作日）
    Deadline {
        /// 收到时间，如 "2026-02-13 10:00"
        #[arg(long)]
        received: String,
        /// 复杂问题（15 个工作日）
        #[arg(long)]
        complex: bool,
    },
    /// 工作日历（法定节假日与调休）
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// 承办单位
    #[command(subcommand)]
    Unit(UnitCommand),
    /// 案件
    Case(CaseArgs),
    /// 打印公文（GB/T 9704 版式的 PDF）：书面反馈、交办通知单、催办通知单、信息专报
    #[command(subcommand)]
    Print(crate::print::PrintCommand),
    /// 用户与角色
    #[command(subcommand)]
    User(UserCommand),
    /// 到期提醒：列出此刻（--now）桌面程序将发出的提醒（不记录）；due settings 查看或修改提醒设置
    Due(crate::due::DueArgs),
    /// 检查数据库完整性与操作记录链（发现问题时退出码为 4）
    Verify,
    /// 备份数据库到文件（在线备份，程序运行时也可备份）
    Backup {
        /// 备份文件（不能已存在）
        #[arg(long)]
        out: PathBuf,
    },
    /// 本机使用的数据库：查看、检查、设置为某个文件或局域网数据库服务器、改回默认
    #[command(subcommand)]
    Database(crate::database::DatabaseCommand),
    /// 把单机数据库文件迁移到数据库服务器（PostgreSQL）：复制全部案件、历史记录和附件并核对；不修改源文件
    Migrate(crate::migrate::MigrateArgs),
    /// 从备份恢复数据库（先校验备份；原文件保留为 .before-restore-时间）
    Restore {
        /// 备份文件
        file: PathBuf,
    },
    /// 把未加密的数据库改为加密保存（SQLCipher；密钥存入系统密钥环；原文件保留为 .before-encrypt-时间）
    #[cfg(feature = "encryption")]
    Encrypt {
        /// 密钥取自环境变量 WENZHENG_DB_KEY（64 位十六进制数字），不生成、不存入密钥环
        #[arg(long)]
        key_env: bool,
        /// 加密成功后用零覆盖并删除原来的明文文件（默认保留为 .before-encrypt-时间）
        #[arg(long)]
        remove_plaintext: bool,
    },
    /// 统计报表：月报、承办单位情况与考核排名
    #[command(subcommand)]
    Report(crate::report::ReportCommand),
    /// 导出案件台账（Excel、CSV）或 Open311 格式的 JSON
    Export(crate::report::ExportArgs),
    /// 从 Excel 或 CSV 文件导入案件（有错误的行时不导入，除非 --valid-only）
    Import(crate::report::ImportArgs),
    /// 年度归档导出（案卷 PDF、附件、案件台账与 SHA-256 清单）
    #[command(subcommand)]
    Archive(crate::dossier::ArchiveCommand),
    /// 生成演示数据：向没有案件的数据库写入指定数量的模拟案件（用于演示与性能测试）
    SeedDemo(crate::demo::SeedDemoArgs),
}

/// `wenzheng user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// 添加用户
    Add {
        /// 登录名（字母、数字、. _ -）
        login: String,
        /// 姓名
        #[arg(long, allow_hyphen_values = true)]
        name: String,
        /// 角色：管理员、办公室工作人员、领导、承办单位（或 admin、clerk、leader、unit）
        #[arg(long)]
        role: String,
        /// 承办单位用户所属的单位
        #[arg(long)]
        unit: Option<String>,
        /// 从标准输入读取初始密码（一行）
        #[arg(long)]
        password_stdin: bool,
    },
    /// 列出用户
    List,
    /// 设置密码（从标准输入读取一行）
    Passwd {
        /// 登录名
        login: String,
    },
    /// 修改用户的角色（及承办单位用户的所属单位）
    Role {
        /// 登录名
        login: String,
        /// 新角色：管理员、办公室工作人员、领导、承办单位（或 admin、clerk、leader、unit）
        #[arg(long)]
        role: String,
        /// 承办单位用户所属的单位
        #[arg(long)]
        unit: Option<String>,
    },
    /// 停用用户（不能再登录；最后一位启用的管理员不能停用）
    Disable {
        /// 登录名
        login: String,
    },
    /// 重新启用用户
    Enable {
        /// 登录名
        login: String,
    },
}

/// `wenzheng calendar …`
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// 显示某年的节假日与调休安排
    Show {
        /// 年份
        year: i32,
    },
    /// 导入某年的节假日安排（holiday-cn 格式的 JSON 文件）
    Import {
        /// JSON 文件
        file: PathBuf,
    },
    /// 调整单日：设为休息日（--holiday）、工作日（--workday）或恢复国务院安排（--official）；
    /// 在办案件的答复期限随之重算
    #[command(group(clap::ArgGroup::new("mode").required(true).args(["holiday", "workday", "official"])))]
    SetDay {
        /// 日期，如 2026-12-31
        day: String,
        /// 设为休息日（休）
        #[arg(long)]
        holiday: bool,
        /// 设为工作日（班）
        #[arg(long)]
        workday: bool,
        /// 恢复国务院安排
        #[arg(long)]
        official: bool,
        /// 备注，如 “镇集中停电”
        #[arg(long, allow_hyphen_values = true)]
        note: Option<String>,
    },
}

/// `wenzheng unit …`
#[derive(Debug, Subcommand)]
pub enum UnitCommand {
    /// 添加承办单位
    Add {
        /// 单位名称
        name: String,
    },
    /// 列出承办单位
    List,
    /// 单位更名（原有案件随之显示新名称）
    Rename {
        /// 现在的名称
        name: String,
        /// 新名称
        new_name: String,
    },
    /// 停用单位：不能再交办给它，原有案件照常显示
    Deactivate {
        /// 单位名称
        name: String,
    },
    /// 重新启用单位
    Activate {
        /// 单位名称
        name: String,
    },
}

/// The fields of a new case.
#[derive(Debug, Args)]
pub struct CaseFields {
    /// 标题
    #[arg(long, allow_hyphen_values = true)]
    pub title: String,
    /// 留言内容
    #[arg(long, allow_hyphen_values = true)]
    pub content: String,
    /// 收到时间（默认：当前时间）
    #[arg(long)]
    pub received: Option<String>,
    /// 问题类别：个人诉求、民生、经济、社会发展、重大事件、突发事件、舆情信息
    #[arg(long)]
    pub category: Option<String>,
    /// 来源平台（默认：网络问政平台）
    #[arg(long, allow_hyphen_values = true)]
    pub source: Option<String>,
    /// 留言链接
    #[arg(long)]
    pub link: Option<String>,
    /// 网民昵称
    #[arg(long, allow_hyphen_values = true)]
    pub poster: Option<String>,
    /// 联系电话
    #[arg(long)]
    pub phone: Option<String>,
    /// 敏感信息
    #[arg(long)]
    pub sensitive: bool,
    /// 重要信息
    #[arg(long)]
    pub important: bool,
    /// 复杂问题（15 个工作日）
    #[arg(long)]
    pub complex: bool,
}

/// `wenzheng case [--expect-version N] …`.
#[derive(Debug, Args)]
pub struct CaseArgs {
    /// 只在案件仍是第 N 版时修改（N 为 case show 给出的 version）；案件已被他人修改则拒绝（退出码 5），不写入任何内容
    #[arg(long, global = true, value_name = "N")]
    pub expect_version: Option<i64>,
    /// What to do with the case.
    #[command(subcommand)]
    pub command: CaseCommand,
}

/// `wenzheng case …`; ID is the numeric id or the case number (WZ-2026-000123).
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// 登记案件
    Add(CaseFields),
    /// 查看案件（含全部记录与时间线）
    Show {
        /// 案件 id 或编号
        id: String,
    },
    /// 列出案件（新的在前）
    List {
        /// 只列该状态（如 待受理、办理中 或 pending）
        #[arg(long)]
        status: Option<String>,
        /// 只列超期案件
        #[arg(long)]
        overdue: bool,
        /// 只列该单位正在承办的案件
        #[arg(long)]
        unit: Option<String>,
        /// 最多列出几件（默认 200，最多 1000）
        #[arg(long)]
        limit: Option<u32>,
    },
    /// 受理（默认使用标准受理回复）
    Ack {
        /// 案件 id 或编号
        id: String,
        /// 受理回复内容
        #[arg(long, allow_hyphen_values = true)]
        text: Option<String>,
    },
    /// 记录领导批示
    Instruct {
        /// 案件 id 或编号
        id: String,
        /// 批示领导
        #[arg(long)]
        leader: String,
        /// 批示内容
        #[arg(long, allow_hyphen_values = true)]
        text: String,
    },
    /// 交办（可多个单位，一个主办）
    Assign {
        /// 案件 id 或编号
        id: String,
        /// 承办单位（可重复）
        #[arg(long = "unit", required = true)]
        units: Vec<String>,
        /// 主办单位（默认第一个）
        #[arg(long)]
        lead: Option<String>,
        /// 办理要求
        #[arg(long, allow_hyphen_values = true)]
        requirement: Option<String>,
    },
    /// 退回（承办单位退回交办）
    Return {
        /// 案件 id 或编号
        id: String,
        /// 退回的单位
        #[arg(long)]
        unit: String,
        /// 退回理由
        #[arg(long, allow_hyphen_values = true)]
        reason: String,
    },
    /// 催办
    Urge {
        /// 案件 id 或编号
        id: String,
        /// 被催办的单位
        #[arg(long)]
        unit: String,
        /// 级别：普通、黄牌、红牌
        #[arg(long)]
        level: Option<String>,
        /// 催办内容
        #[arg(long, allow_hyphen_values = true)]
        text: Option<String>,
    },
    /// 记录办理进展
    Progress {
        /// 案件 id 或编号
        id: String,
        /// 报告的单位
        #[arg(long)]
        unit: String,
        /// 进展情况
        #[arg(long, allow_hyphen_values = true)]
        text: String,
    },
    /// 延期（增加工作日）
    Extend {
        /// 案件 id 或编号
        id: String,
        /// 延长的工作日数
        #[arg(long)]
        days: u32,
        /// 延期理由
        #[arg(long, allow_hyphen_values = true)]
        reason: String,
    },
    /// 答复网民（阶段性答复，或加 --final 为最终答复）
    Reply {
        /// 案件 id 或编号
        id: String,
        /// 答复内容
        #[arg(long, allow_hyphen_values = true)]
        text: String,
        /// 最终答复
        #[arg(long = "final")]
        is_final: bool,
        /// 在平台“部门回应”栏目发布的时间
        #[arg(long)]
        published: Option<String>,
    },
    /// 出具书面反馈（报县信访局、县委办督查室，按次编号）
    Feedback {
        /// 案件 id 或编号
        id: String,
    },
    /// 办结
    Close {
        /// 案件 id 或编号
        id: String,
        /// 办理结果
        #[arg(long, allow_hyphen_values = true)]
        result: String,
    },
    /// 归档
    Archive {
        /// 案件 id 或编号
        id: String,
    },
    /// 添加附件（如平台页面截图），文件保存在数据目录中并记录 SHA-256
    Attach {
        /// 案件 id 或编号
        id: String,
        /// 要附加的文件
        file: PathBuf,
    },
    /// 取出附件到文件（先核对内容未被改动）
    Attachment {
        /// 附件 id（见 case show 的 attachments）
        attachment: i64,
        /// 保存到的文件
        #[arg(long)]
        out: PathBuf,
    },
    /// 回访：记录网民满意度（不满意则案件重办）
    Followup {
        /// 案件 id 或编号
        id: String,
        /// 满意、基本满意、不满意
        #[arg(long, allow_hyphen_values = true)]
        result: String,
        /// 回访情况
        #[arg(long, allow_hyphen_values = true)]
        note: Option<String>,
    },
    /// 关联案件：两件案件互相显示为关联案件
    Link {
        /// 案件 id 或编号
        id: String,
        /// 另一件案件的 id 或编号
        other: String,
        /// 关联说明
        #[arg(long, allow_hyphen_values = true)]
        note: Option<String>,
    },
    /// 合并重复件：DUP 作为 MAIN 的重复件办结（只限待受理、已受理的案件）
    Merge {
        /// 重复件的 id 或编号
        id: String,
        /// 主件的 id 或编号
        #[arg(long)]
        into: String,
        /// 告知重复件网民的答复（默认：问题相同、已合并办理）
        #[arg(long, allow_hyphen_values = true)]
        reply: Option<String>,
    },
    /// 查看完整的联系电话（记入操作记录）
    Reveal {
        /// 案件 id 或编号
        id: String,
    },
    /// 重新办理（已答复或已办结的案件）
    Reopen {
        /// 案件 id 或编号
        id: String,
        /// 理由
        #[arg(long, allow_hyphen_values = true)]
        reason: String,
    },
}

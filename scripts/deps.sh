# Shared by scripts/start and scripts/test: installs what building and testing need on
# Debian 12 (and Debian-based UOS / Kylin). Sourced, not run.

# Build: the Tauri 2 / WebKitGTK stack.
BUILD_PACKAGES="build-essential pkg-config libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev fonts-noto-cjk"
# Tests: a virtual display, WebDriver for WebKitGTK, a session D-Bus with a notification
# daemon, screenshots, PDF tools, a Secret Service (GNOME Keyring) for the encryption tests.
TEST_PACKAGES="xvfb xauth webkit2gtk-driver dbus dunst imagemagick poppler-utils python3 cups cups-bsd cups-client printer-driver-cups-pdf strace xdotool gnome-keyring libsecret-tools"
# Package test (scripts/package-test): window lookup and a screenshot of the installed app.
PACKAGE_TEST_PACKAGES="xvfb xauth xdotool x11-utils imagemagick dbus poppler-utils sqlite3 fonts-noto-cjk cups-client"
# PostgreSQL, the shared LAN store: the throwaway test server (scripts/pg-test-server) and
# psql; openssl makes the server's test certificate.
PG_PACKAGES="postgresql-15 postgresql-client-15 openssl"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages among "$@" that are missing.
ensure_packages() {
    missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        echo "==> 安装 Debian 软件包:$missing"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
    fi
}

ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1; then
        echo "需要 Rust 1.85 或更新版本（rustup 安装的 cargo），未找到 cargo。" >&2
        exit 1
    fi
}

# tauri-driver bridges WebDriver to the app's WebKit window (end-to-end tests).
ensure_tauri_driver() {
    if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
        echo "==> 安装 tauri-driver"
        cargo install tauri-driver --version '^2' --locked
    fi
    export PATH="$HOME/.cargo/bin:$PATH"
}

# tauri-cli (`cargo tauri`) builds the .deb (and, on Windows, the installer). Compiling it
# takes about 9 minutes on 2 cores, once.
ensure_tauri_cli() {
    export PATH="$HOME/.cargo/bin:$PATH"
    if ! cargo tauri --version >/dev/null 2>&1; then
        echo "==> 安装 tauri-cli"
        cargo install tauri-cli --version '^2' --locked
    fi
}

# A running CUPS scheduler with the cups-pdf virtual printer WZPDF (printing tests).
ensure_cups_pdf() {
    if ! lpstat -r 2>/dev/null | grep -q "is running"; then
        echo "==> 启动 CUPS"
        as_root /usr/sbin/cupsd
        for _ in $(seq 1 50); do
            lpstat -r 2>/dev/null | grep -q "is running" && break
            sleep 0.2
        done
    fi
    if ! lpstat -e 2>/dev/null | grep -qx WZPDF; then
        echo "==> 添加虚拟打印机 WZPDF（cups-pdf）"
        as_root lpadmin -p WZPDF -E -v cups-pdf:/ -P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd 2>/dev/null
    fi
}

# Build SupportDesk for Windows: PyInstaller onedir, smoke test, Inno Setup installer.
# UNTESTED (no Windows machine was available). Run from the repository root in PowerShell:
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build-windows.ps1
# Needs uv and Inno Setup 6.3+ (ISCC.exe). Output: dist\supportdesk\ and dist\SupportDesk-<v>-setup.exe
$ErrorActionPreference = "Stop"
Set-Location (Resolve-Path "$PSScriptRoot\..\..")

$version = (uv run --no-sync python -c "import app; print(app.__version__)").Trim()
uv run --group packaging pyinstaller packaging\supportdesk.spec --noconfirm
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

# Smoke test with the console exe (SupportDesk.exe is windowed and prints nothing).
$home_ = Join-Path $env:TEMP ("supportdesk-smoke-" + [guid]::NewGuid())
New-Item -ItemType Directory $home_ | Out-Null
$env:SUPPORTDESK_HOME = $home_
$env:QT_QPA_PLATFORM = "offscreen"
$cli = "dist\supportdesk\supportdesk-cli.exe"
& $cli --version; if ($LASTEXITCODE -ne 0) { throw "--version failed" }
$db = "sqlite:///" + ($home_ -replace '\\', '/') + "/smoke.db"
& $cli --database-url $db db upgrade; if ($LASTEXITCODE -ne 0) { throw "db upgrade failed" }
$env:SUPPORTDESK_BUNDLE_CHECK = "1"
& $cli; if ($LASTEXITCODE -ne 0) { throw "bundle check failed" }
Remove-Item Env:SUPPORTDESK_BUNDLE_CHECK
Remove-Item -Recurse -Force $home_

$iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"
& $iscc "/DAppVersion=$version" packaging\windows\supportdesk.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }

; Inno Setup 6 script for SupportDesk — UNTESTED (no Windows machine was available; written
; against the Inno Setup 6 documentation). Packs the PyInstaller onedir, installs per user
; (no administrator rights), adds a Start-menu shortcut and an uninstaller.
;
; Build on Windows, from the repository root, after the PyInstaller build:
;   uv run --group packaging pyinstaller packaging\supportdesk.spec --noconfirm
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\supportdesk.iss
; Output: dist\SupportDesk-<version>-setup.exe

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "SupportDesk"
#define AppExe "SupportDesk.exe"
#define CliExe "supportdesk-cli.exe"

[Setup]
; A fixed AppId keeps upgrades and the uninstaller tied to the same entry; never change it.
AppId={{6F1D2C4B-8E0A-4C55-9B7E-5A3C2D1E0F47}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=The SupportDesk developers
AppVerName={#AppName} {#AppVersion}
; Per-user install: {autopf} resolves to %LOCALAPPDATA%\Programs without admin rights.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-setup
SetupIconFile=supportdesk.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; The user's databases live in %LOCALAPPDATA%\SupportDesk (platformdirs), not in {app}:
; uninstalling never deletes them.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole PyInstaller onedir (SupportDesk.exe, supportdesk-cli.exe and _internal\).
Source: "..\..\dist\supportdesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An update replaces the bundle whole, so files dropped by a newer build do not linger.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

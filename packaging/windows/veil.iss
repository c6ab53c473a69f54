; Inno Setup 6 script for Veil's Windows installer: veil-setup-<version>.exe in dist\.
;
; Built by the installers workflow (.github/workflows/installers.yml) after `python packaging\build.py`:
;   iscc /DAppVersion=0.1.0 packaging\windows\veil.iss
; Relative paths below are relative to this file's folder (SourceDir's default), hence ..\..\.

; The version comes from the command line: CI passes desktop.__version__. The fallback only keeps a hand-run
; compile working, and its obviously-wrong number shows that nobody passed one.
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

; icacls arguments for the system configuration folder ([Run] section): SYSTEM and Administrators get full
; control; the folder stops inheriting ProgramData's entries and Users get read & execute. (OI)(CI) passes
; the grants on to the files and subfolders inside.
#define GrantAdmins "/grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F"
#define UsersReadOnly "/inheritance:r /grant:r *S-1-5-32-545:(OI)(CI)RX"

[Setup]
; Windows tells installs of the same product apart by AppId: it must never change between versions, or an
; upgrade would install side by side instead of replacing. The doubled brace escapes Inno's constant syntax.
AppId={{F171517F-3026-4B2F-AF5B-717E990F4544}
AppName=Veil
AppVersion={#AppVersion}
AppPublisher=Veil
; Per machine: the program goes to Program Files and the system configuration to ProgramData, both of which
; only administrators may write.
PrivilegesRequired=admin
; The bundle holds 64-bit binaries only; 64-bit mode also makes {autopf} the 64-bit Program Files.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 (PySide6) supports Windows 10 and later.
MinVersion=10.0
DefaultDirName={autopf}\Veil
; The single Start-menu shortcut goes straight into Programs, so there is no folder to choose.
DisableProgramGroupPage=yes
SetupIconFile=..\..\build\icons\veil.ico
UninstallDisplayIcon={app}\veil.exe
OutputDir=..\..\dist
OutputBaseFilename=veil-setup-{#AppVersion}
WizardStyle=modern
Compression=lzma2
SolidCompression=yes
; The uninstaller removes only what this script installed. Reviewers' data (database, previews, their own
; config.toml) lives in %LOCALAPPDATA%\veil, which nothing here names, so it survives an uninstall.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the whole library folder: files a newer build no longer has would otherwise stay
; behind and could be loaded in place of the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; The one-folder bundle from packaging\build.py: veil.exe (command line), veilw.exe (windowed) and _internal\.
Source: "..\..\dist\veil\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; The system configuration template, installed as C:\ProgramData\Veil\config.toml (read by desktop\config.py).
; onlyifdoesntexist: an administrator's edited file survives upgrades; uninsneverinstall: and uninstalls.
; Ordinary users must be able to read it but not write it, because the settings it locks depend on that.
; Inno's Permissions parameter (users-readexec) can only add rights to the inherited ACL, never take any
; away, so the folder's ACL is set with icacls in the [Run] section instead.
Source: "..\config.toml"; DestDir: "{commonappdata}\Veil"; Flags: onlyifdoesntexist uninsneverinstall

[Icons]
; veilw.exe has no console and opens the review window; its embedded icon is the shortcut's icon.
Name: "{autoprograms}\Veil"; Filename: "{app}\veilw.exe"
Name: "{autodesktop}\Veil"; Filename: "{app}\veilw.exe"; Tasks: desktopicon

[Run]
; Lock down C:\ProgramData\Veil: Users may read and execute there, nothing more. ProgramData's inherited ACL
; lets Users create files in subfolders and gives a file's creator full control, so a user could have made
; the folder or config.toml before the install and would own them. In order: Administrators take ownership
; (an owner can always rewrite an ACL); SYSTEM and Administrators get full control on the folder; the folder
; stops inheriting (dropping Users' create-files and CREATOR OWNER) and Users get read & execute; the files
; in it drop their own entries and inherit exactly that. Well-known SIDs work in any Windows language.
; Runs on every install, so an upgrade repairs a loosened ACL; the file's contents are never touched.
Filename: "{sys}\icacls.exe"; Parameters: """{commonappdata}\Veil"" /setowner *S-1-5-32-544 /T /C /Q"; Flags: runhidden
Filename: "{sys}\icacls.exe"; Parameters: """{commonappdata}\Veil"" {#GrantAdmins} /Q"; Flags: runhidden
Filename: "{sys}\icacls.exe"; Parameters: """{commonappdata}\Veil"" {#UsersReadOnly} /Q"; Flags: runhidden
Filename: "{sys}\icacls.exe"; Parameters: """{commonappdata}\Veil\*"" /reset /T /C /Q"; Flags: runhidden
; Postinstall entries run as the user who started Setup, not elevated, so Veil's data lands in their profile.
Filename: "{app}\veilw.exe"; Description: "{cm:LaunchProgram,Veil}"; Flags: nowait postinstall skipifsilent

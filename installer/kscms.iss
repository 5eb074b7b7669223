; Inno Setup 6.3+ script of KSCMS desk: packs the PyInstaller folder (dist\kscms) into one setup program.
;
; Build (from the repository root, after `pyinstaller installer\kscms.spec`):
;   iscc /DAppVersion=0.1.0 installer\kscms.iss      (installer\build.py passes the version from pyproject.toml)
;
; Why it looks like this:
; - Per user or per machine: the clerk without admin rights installs for herself (no UAC prompt); an
;   IT person can choose "all users" in the dialog (PrivilegesRequiredOverridesAllowed=dialog).
; - The uninstaller removes the program, never silently the data: it asks whether to delete the
;   data folder (%LOCALAPPDATA%\KSCMS\KSCMS desk: the database, its backups, logs, settings), with
;   "No" as the default. A silent uninstall (/SILENT, used by upgrades and IT tools) keeps the data.
; - An upgrade deletes the old _internal folder first, so no file of an older version stays behind.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=x.y.z installer\kscms.iss (installer\build.py does it)
#endif

#define AppName "KSCMS desk"
#define AppPublisher "KSCMS"
#define AppExeName "kscms.exe"
#define DistDir "..\dist\kscms"
#define DataFolder "{localappdata}\KSCMS\KSCMS desk"

[Setup]
AppId={{DDA4FC45-D550-4CDE-9449-AFE376E18C31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
VersionInfoDescription={#AppName} 설치 프로그램
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\dist\installer
OutputBaseFilename=KSCMS-desk-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no
UninstallDisplayName={#AppName} {#AppVersion}
UninstallDisplayIcon={app}\{#AppExeName}
SetupLogging=yes

[Languages]
Name: "korean"; MessagesFile: "compiler:Languages\Korean.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
korean.DesktopShortcut=바탕 화면에 바로 가기 만들기
korean.SharedDatabaseGuide=공유 데이터베이스 설치 안내
korean.LaunchProgram=KSCMS desk 실행
korean.DeleteDataQuestion=이 PC의 KSCMS desk 데이터도 삭제할까요?%n%n%1%n%n이 폴더에는 이 PC의 데이터베이스(학원 정보, 고객, 이체 기록), 자동 백업, 기록 파일과 설정이 있습니다. 삭제하면 되돌릴 수 없습니다.%n%n다시 설치해서 계속 쓰려면 [아니요]를 누르세요. 사무실 서버(PostgreSQL)의 데이터는 이 선택과 관계없이 그대로 남습니다.
korean.DeleteDataFailed=데이터 폴더를 모두 지우지 못했습니다. 직접 삭제하세요:%n%1
english.DesktopShortcut=Create a desktop shortcut
english.SharedDatabaseGuide=Shared database guide (Korean)
english.LaunchProgram=Start KSCMS desk
english.DeleteDataQuestion=Also delete the KSCMS desk data on this PC?%n%n%1%n%nThis folder holds this PC's database (institution, customers, debits), its automatic backups, logs and settings. Deleting it cannot be undone.%n%nChoose No to keep it for a later reinstall. Data on the office PostgreSQL server is not affected either way.
english.DeleteDataFailed=The data folder could not be deleted completely. Please delete it yourself:%n%1

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopShortcut}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\docs\shared-database.md"; DestDir: "{app}\docs"; Flags: ignoreversion

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{app}"
Name: "{autoprograms}\{cm:SharedDatabaseGuide}"; Filename: "{win}\notepad.exe"; Parameters: """{app}\docs\shared-database.md"""
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram}"; Flags: nowait postinstall skipifsilent

[Code]
{ After the program files are gone, offer to delete this user's data folder. "No" is the default
  button, and a silent uninstall never deletes data. }
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep <> usPostUninstall then
    Exit;
  DataDir := ExpandConstant('{#DataFolder}');
  if UninstallSilent or not DirExists(DataDir) then
    Exit;
  if MsgBox(FmtMessage(CustomMessage('DeleteDataQuestion'), [DataDir]), mbConfirmation,
            MB_YESNO or MB_DEFBUTTON2) = IDYES then
  begin
    if not DelTree(DataDir, True, True, True) then
      MsgBox(FmtMessage(CustomMessage('DeleteDataFailed'), [DataDir]), mbError, MB_OK);
    RemoveDir(ExpandConstant('{localappdata}\KSCMS'));
  end;
end;

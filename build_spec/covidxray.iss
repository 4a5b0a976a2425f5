; Inno Setup 6 script: the Windows installer for the one-folder app that covidxray.spec builds.
; It packs dist\covidxray\ (covidxray.exe: the window; covidxray-cli.exe: the command line).
;
; On a 64-bit Windows 10/11 build machine, from the repository root (cmd.exe):
;   py -3.11 -m venv build\venv
;   build\venv\Scripts\python -m pip install . "pyinstaller>=6.10,<7" "pyinstaller-hooks-contrib>=2024.8"
;   build\venv\Scripts\python -m PyInstaller --noconfirm --workpath build\pyinstaller --distpath dist build_spec\covidxray.spec
;   dist\covidxray\covidxray-cli.exe info
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 build_spec\covidxray.iss
; -> dist\covidxray-0.1.0-windows-x64-setup.exe
;
; Optional: put Microsoft's vc_redist.x64.exe next to this script to ship the Visual C++ runtime
; that TensorFlow needs; setup then installs it silently where it is missing.
; The installer needs no administrator rights (installs for the current user); an administrator
; may choose "all users". Per-user results, settings and logs (%LOCALAPPDATA%\covidxray) are
; kept on uninstall, as they hold the user's records.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "covidxray"
#define DistDir "..\dist\covidxray"

#if !FileExists(AddBackslash(SourcePath) + DistDir + "\covidxray.exe")
  #error "dist\covidxray\covidxray.exe is missing: build it with PyInstaller first (see the top of this file)"
#endif

[Setup]
AppId={{6E0C7A52-3B1D-4C8E-9E0B-5C4A1D2F7B31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=the covidxray_desktop authors
AppComments=Chest X-rays: COVID-19 or Normal, with a heat map. Research use only, not a diagnostic device.
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
LicenseFile=..\LICENSE
SetupIconFile=icon.ico
UninstallDisplayIcon={app}\covidxray.exe
UninstallDisplayName={#AppName} {#AppVersion}
OutputDir=..\dist
OutputBaseFilename=covidxray-{#AppVersion}-windows-x64-setup
; lzma2 on ~1 GB: "fast" packs in minutes and is only a few percent larger than "max".
Compression=lzma2/fast
SolidCompression=yes
LZMANumBlockThreads=4
WizardStyle=modern
ChangesAssociations=yes
ChangesEnvironment=yes
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"
Name: "addtopath"; Description: "Add covidxray-cli to PATH (for the command line)"; GroupDescription: "Command line:"; Flags: unchecked
Name: "assocdicom"; Description: "Open DICOM files (.dcm) with covidxray"; GroupDescription: "File types:"; Flags: unchecked

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\LICENSE"; DestDir: "{app}"; DestName: "LICENSE.txt"; Flags: ignoreversion
Source: "{#DistDir}\_internal\THIRD-PARTY-NOTICES.txt"; DestDir: "{app}"; Flags: ignoreversion
#if FileExists(AddBackslash(SourcePath) + "vc_redist.x64.exe")
Source: "vc_redist.x64.exe"; DestDir: "{tmp}"; Flags: deleteafterinstall; Check: NeedsVCRuntime
#endif

[InstallDelete]
; An upgrade replaces the whole library folder: no stale modules from an older version. Only ours: a
; folder chosen by mistake that holds another program's _internal keeps it.
Type: filesandordirs; Name: "{app}\_internal"; Check: HoldsThisApp

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\covidxray.exe"; Comment: "Chest X-ray classifier (research use only)"
Name: "{autoprograms}\{#AppName} command line"; Filename: "{cmd}"; Parameters: "/k covidxray-cli --help"; WorkingDir: "{app}"; Comment: "A console with covidxray-cli"
Name: "{autoprograms}\{#AppName} licences"; Filename: "{app}\THIRD-PARTY-NOTICES.txt"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\covidxray.exe"; Tasks: desktopicon

[Registry]
; PATH for the current user (or the machine, for an all-users install).
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: IsCurrentUserInstall and NeedsAddPath('{app}')
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: IsAdminInstallMode and NeedsAddPath('{app}')
; .dcm files: HKA is HKCU or HKLM, as the install mode.
Root: HKA; Subkey: "Software\Classes\.dcm\OpenWithProgids"; ValueType: string; ValueName: "covidxray.dicom"; ValueData: ""; Flags: uninsdeletevalue; Tasks: assocdicom
Root: HKA; Subkey: "Software\Classes\covidxray.dicom"; ValueType: string; ValueName: ""; ValueData: "DICOM image"; Flags: uninsdeletekey; Tasks: assocdicom
Root: HKA; Subkey: "Software\Classes\covidxray.dicom\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\covidxray.exe,0"; Tasks: assocdicom
Root: HKA; Subkey: "Software\Classes\covidxray.dicom\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\covidxray.exe"" ""%1"""; Tasks: assocdicom
Root: HKA; Subkey: "Software\Classes\Applications\covidxray.exe\SupportedTypes"; ValueType: string; ValueName: ".dcm"; ValueData: ""; Flags: uninsdeletekey

[Run]
#if FileExists(AddBackslash(SourcePath) + "vc_redist.x64.exe")
Filename: "{tmp}\vc_redist.x64.exe"; Parameters: "/install /quiet /norestart"; StatusMsg: "Installing the Microsoft Visual C++ runtime..."; Check: NeedsVCRuntime; Flags: waituntilterminated
#endif
Filename: "{app}\covidxray.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
function IsProcessorFeaturePresent(Feature: Cardinal): BOOL;
  external 'IsProcessorFeaturePresent@kernel32.dll stdcall';

function IsCurrentUserInstall: Boolean;
begin
  Result := not IsAdminInstallMode;
end;

function NeedsAddPath(Dir: string): Boolean;
var
  Paths: string;
  Key: string;
  RootKey: Integer;
begin
  if IsAdminInstallMode then begin
    RootKey := HKEY_LOCAL_MACHINE;
    Key := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment';
  end else begin
    RootKey := HKEY_CURRENT_USER;
    Key := 'Environment';
  end;
  if not RegQueryStringValue(RootKey, Key, 'Path', Paths) then begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(ExpandConstant(Dir)) + ';', ';' + Uppercase(Paths) + ';') = 0;
end;

function HoldsThisApp: Boolean;
begin
  Result := FileExists(ExpandConstant('{app}\covidxray-cli.exe')) and FileExists(ExpandConstant('{app}\covidxray.exe'));
end;

// Uninstalling takes the app's folder out of PATH again (the [Registry] lines add it; Inno removes nothing there).
procedure RemoveFromPath(RootKey: Integer; Key: string);
var
  Paths, Dir: string;
  At: Integer;
begin
  if not RegQueryStringValue(RootKey, Key, 'Path', Paths) then
    exit;
  Dir := ';' + Uppercase(ExpandConstant('{app}')) + ';';
  Paths := ';' + Paths + ';';
  At := Pos(Dir, Uppercase(Paths));
  if At = 0 then
    exit;
  Delete(Paths, At, Length(Dir) - 1);
  Paths := Copy(Paths, 2, Length(Paths) - 2);
  RegWriteExpandStringValue(RootKey, Key, 'Path', Paths);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usUninstall then begin
    if IsAdminInstallMode then
      RemoveFromPath(HKEY_LOCAL_MACHINE, 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment')
    else
      RemoveFromPath(HKEY_CURRENT_USER, 'Environment');
  end;
end;

function NeedsVCRuntime: Boolean;
var
  Installed: Cardinal;
begin
  Result := not (RegQueryDWordValue(HKEY_LOCAL_MACHINE, 'SOFTWARE\Microsoft\VisualStudio\14.0\VC\Runtimes\x64', 'Installed', Installed) and (Installed = 1));
end;

function InitializeSetup: Boolean;
begin
  Result := True;
  { TensorFlow's Windows build needs AVX (feature 39); the app says so itself too, but tell
    before installing. A Windows too old to know feature 36 (SSSE3) cannot answer: no warning. }
  if (not IsProcessorFeaturePresent(39)) and IsProcessorFeaturePresent(36) then
    Result := MsgBox('This processor does not report the AVX instructions that covidxray needs ' +
      '(Intel/AMD from 2011 on). The app will install but cannot classify on this PC. Continue?',
      mbConfirmation, MB_YESNO) = IDYES;
end;

using System.Runtime.Versioning;

// The tasks these tests run are POSIX commands (sh, printf, env), as on the Linux workers.
[assembly: UnsupportedOSPlatform("windows")]

import Foundation
import TestSupport
import Testing

/// Where `scripts/pg-local` puts a scratch cluster (`make test`'s `.pg-test`): in memory, as a
/// link to `/dev/shm/mscreg-pg-<n>`, when `/dev/shm` is a tmpfs with 4 GiB free, else on disk;
/// on disk with `MSCREG_PGLOCAL_MEMORY=0`; a link a reboot left dangling is made again. Run on
/// a copy of the script in a folder of its own, so the checkout is not touched.
@Suite(.blocking) struct ScratchClusterTests {
  /// Whether this machine's /dev/shm can hold a scratch cluster (what pg-local checks, found
  /// here another way: the mount table and statvfs).
  static var memoryAvailable: Bool {
    let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
    let tmpfs = mounts.split(separator: "\n").contains {
      let fields = $0.split(separator: " ")
      return fields.count > 2 && fields[1] == "/dev/shm" && fields[2] == "tmpfs"
    }
    var info = statvfs()
    guard tmpfs, statvfs("/dev/shm", &info) == 0 else { return false }
    return UInt64(info.f_bavail) * UInt64(info.f_frsize) >= 4 << 30
      && access("/dev/shm", W_OK) == 0
  }

  @Test func aScratchClusterLivesInMemoryWhenItCanAndOnDiskWhenAsked() throws {
    let fm = FileManager.default
    let dir = try TemporaryFolder.make("mscreg-scratch")
    try fm.createDirectory(
      at: dir.appendingPathComponent("scripts"), withIntermediateDirectories: true)
    try fm.copyItem(
      at: TestDatabase.repositoryRoot.appendingPathComponent("scripts/pg-local"),
      to: dir.appendingPathComponent("scripts/pg-local"))
    var env = ProcessInfo.processInfo.environment
    for key in env.keys where key.hasPrefix("PG") || key.hasPrefix("MSCREG_") {
      env[key] = nil
    }
    env["MSCREG_PGLOCAL_SCRATCH"] = "1"
    env["MSCREG_PGLOCAL_PORT"] = String(Int.random(in: 20_000..<30_000))
    func pgLocal(_ name: String, _ command: String, _ extra: [String: String] = [:]) throws
      -> (status: Int32, stdout: String, stderr: String)
    {
      try ProgramRun.run(
        URL(fileURLWithPath: "/bin/bash"),
        [dir.appendingPathComponent("scripts/pg-local").path, command], in: dir,
        environment: env.merging(extra.merging(["MSCREG_PGLOCAL_NAME": name]) { $1 }) { $1 })
    }
    /// Whether the cluster answers `SELECT 1` at the PG* variables `pg-local env` prints.
    func answers(_ name: String) throws -> Bool {
      var vars: [String: String] = [:]
      for line in try pgLocal(name, "env").stdout.split(separator: "\n")
      where line.hasPrefix("export PG") {
        let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
        vars[String(pair[0])] = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "'"))
      }
      let asked = try ProgramRun.run(
        URL(fileURLWithPath: "/usr/bin/env"), ["psql", "-Atc", "SELECT 1"], environment: vars)
      return asked.status == 0 && asked.stdout == "1\n"
    }
    // Each cluster stopped, and what it holds in memory given back (a link's target).
    defer {
      for name in [".pg-mem", ".pg-disk"] {
        _ = try? pgLocal(name, "stop")
        let link = dir.appendingPathComponent(name).path
        if let target = try? fm.destinationOfSymbolicLink(atPath: link) {
          try? fm.removeItem(atPath: target)
        }
      }
      try? fm.removeItem(at: dir)
    }
    let mem = dir.appendingPathComponent(".pg-mem").path
    let disk = dir.appendingPathComponent(".pg-disk").path

    // A `status` before the first start leaves an empty folder; `start` still goes to memory.
    #expect(try pgLocal(".pg-mem", "status").status == 3)
    let started = try pgLocal(".pg-mem", "start")
    #expect(started.status == 0, "\(started.stderr)")
    let target = try? fm.destinationOfSymbolicLink(atPath: mem)
    if Self.memoryAvailable {
      #expect(target?.hasPrefix("/dev/shm/mscreg-pg-") == true, "\(target ?? "no link")")
    } else {
      #expect(target == nil, "/dev/shm cannot hold it, yet \(mem) links to \(target ?? "")")
    }
    #expect(try answers(".pg-mem"))

    // After a reboot the memory is empty and the link dangles: start makes a new cluster.
    if let target {
      #expect(try pgLocal(".pg-mem", "stop").status == 0)
      try fm.removeItem(atPath: target)
      let again = try pgLocal(".pg-mem", "start")
      #expect(again.status == 0, "\(again.stderr)")
      #expect(try fm.destinationOfSymbolicLink(atPath: mem) == target)
      #expect(try answers(".pg-mem"))
    }

    // MSCREG_PGLOCAL_MEMORY=0: on disk, a folder of the checkout.
    let onDisk = try pgLocal(".pg-disk", "start", ["MSCREG_PGLOCAL_MEMORY": "0"])
    #expect(onDisk.status == 0, "\(onDisk.stderr)")
    #expect((try? fm.destinationOfSymbolicLink(atPath: disk)) == nil)
    #expect(fm.fileExists(atPath: disk + "/data/PG_VERSION"))
    #expect(try answers(".pg-disk"))
  }
}

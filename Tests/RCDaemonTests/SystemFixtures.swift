import Glibc
import RCSystem

/// A fresh private directory under /tmp (short, so socket paths fit in sockaddr_un).
func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/rcd.XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed")
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Removes `path` and what is directly inside it (test directories are one level deep,
/// apart from a nested runtime directory, which is removed first).
func removeTree(_ path: String) {
    if let dir = opendir(path) {
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        for name in names {
            var info = stat()
            if lstat(path + "/" + name, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR {
                removeTree(path + "/" + name)
            } else {
                unlink(path + "/" + name)
            }
        }
    }
    rmdir(path)
}

func mode(of path: String) -> mode_t? {
    var info = stat()
    return lstat(path, &info) == 0 ? info.st_mode : nil
}

func writeFile(_ path: String, _ text: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(fd >= 0)
    _ = text.withCString { write(fd, $0, strlen($0)) }
    close(fd)
}

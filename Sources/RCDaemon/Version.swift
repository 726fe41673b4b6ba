/// The release, shown by `--version` and sent as the User-Agent.
public enum Version {
    public static let current = "0.1.0"
}

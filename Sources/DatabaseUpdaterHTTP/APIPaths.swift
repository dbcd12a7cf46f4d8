/// The paths the HTTP API serves, shared by the server and by clients of it.
public enum APIPaths {
    /// Every route lives under this prefix.
    public static let base = "/api/database-updater"
}

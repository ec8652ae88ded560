/// What kubeward says about itself in reports.
public enum ToolInfo {
  public static let name = "kubeward"
  public static let version = "0.1.0"
  public static let informationURI = "https://github.com/kubeward/kubeward"
}

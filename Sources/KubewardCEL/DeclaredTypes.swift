/// An object type a host declares a name of (the API server declares `request` an
/// AdmissionRequest and `namespaceObject` a Namespace): its fields are known, so selecting
/// another is a compile error (`undefined field 'bogus'`), as in cel-go's checker, and each
/// field's type takes part in the checks of what is built from it (`request.operation != 1`).
public final class DeclaredObjectType: Sendable {
  public let name: String
  public let fields: [String: DeclaredFieldType]

  public init(name: String, fields: [String: DeclaredFieldType]) {
    self.name = name
    self.fields = fields
  }
}

/// The type of a declared object's field.
public indirect enum DeclaredFieldType: Sendable {
  case string, int, bool, timestamp, dyn
  case list(DeclaredFieldType)
  case map(DeclaredFieldType, DeclaredFieldType)
  case object(DeclaredObjectType)

  /// As the literal checker knows types; objects by name (see `LiteralTypeChecker.objects`).
  var staticType: LiteralTypeChecker.StaticType {
    switch self {
    case .string: .named("string")
    case .int: .named("int")
    case .bool: .named("bool")
    case .timestamp: .named("google.protobuf.Timestamp")
    case .dyn: .dyn
    case .list(let element): .list(element.staticType)
    case .map(let key, let value): .map(key.staticType, value.staticType)
    case .object(let object): .named(object.name)
    }
  }

  /// The object types in it, nested ones included.
  func collectObjects(into objects: inout [String: DeclaredObjectType]) {
    switch self {
    case .list(let element): element.collectObjects(into: &objects)
    case .map(let key, let value):
      key.collectObjects(into: &objects)
      value.collectObjects(into: &objects)
    case .object(let object):
      guard objects[object.name] == nil else { return }
      objects[object.name] = object
      for field in object.fields.values { field.collectObjects(into: &objects) }
    default: break
    }
  }
}

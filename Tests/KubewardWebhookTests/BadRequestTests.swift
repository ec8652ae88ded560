import Foundation
import Testing

@testable import KubewardWebhook

@Suite("Bad admission reviews")
struct BadRequestTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    let body: String
    let message: String
    var testDescription: String { name }
  }

  static let object = Reviews.deployment()

  static let cases: [Case] = [
    Case(name: "empty", body: "", message: "the body is not JSON: unexpected end"),
    Case(name: "text", body: "hello", message: "the body is not JSON: expected a value at byte 0"),
    Case(name: "truncated", body: "{\"apiVersion\":", message: "the body is not JSON"),
    Case(
      name: "YAML, not JSON", body: "{apiVersion: admission.k8s.io/v1}",
      message: "the body is not JSON: expected a string key at byte 1"),
    Case(
      name: "two values", body: "{} {}",
      message: "the body is not JSON: text after the value at byte 3"),
    Case(name: "a raw control character", body: "{\"a\":\"\u{1}\"}", message: "control character"),
    Case(name: "a bad escape", body: "{\"a\":\"\\q\"}", message: "bad escape"),
    Case(name: "a leading zero", body: "{\"a\":01}", message: "the body is not JSON"),
    Case(
      name: "nested too deep",
      body: String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
      message: "nested deeper than 256"),
    Case(name: "an array", body: "[]", message: "the body is not a JSON object"),
    Case(
      name: "v1beta1",
      body:
        "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{}}",
      message:
        "apiVersion must be admission.k8s.io/v1 (admissionReviewVersions: [v1]), not \"admission.k8s.io/v1beta1\""
    ),
    Case(
      name: "no apiVersion", body: "{\"kind\":\"AdmissionReview\"}",
      message: "apiVersion must be admission.k8s.io/v1 (admissionReviewVersions: [v1]), not nothing"
    ),
    Case(
      name: "another kind", body: "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"Pod\"}",
      message: "kind must be AdmissionReview, not \"Pod\""),
    Case(
      name: "no request",
      body: "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
      message: "the review has no request object"),
    Case(
      name: "no uid",
      body: Reviews.body(object: object).replacingOccurrences(
        of: "\"uid\":\"705ab4f5-6393-11e8-b7cc-42010a800002\",", with: ""),
      message: "request.uid is missing"),
    Case(
      name: "an empty uid", body: Reviews.body(object: object, uid: ""),
      message: "request.uid is missing"),
    Case(
      name: "a uid that is an object",
      body: Reviews.body(object: object).replacingOccurrences(
        of: "\"705ab4f5-6393-11e8-b7cc-42010a800002\"", with: "{\"a\":1}"),
      message: "request.uid is missing"),
    Case(
      name: "another operation", body: Reviews.body(object: object, operation: "PATCH"),
      message: "request.operation must be CREATE, UPDATE, DELETE or CONNECT, not \"PATCH\""),
    Case(
      name: "no object", body: Reviews.body(object: nil),
      message: "request.object is missing: a CREATE request carries the object"),
    Case(
      name: "an object that is text", body: Reviews.body(object: "\"web\""),
      message: "request.object must be a JSON object"),
    Case(
      name: "an object that is a list", body: Reviews.body(object: "[]"),
      message: "request.object must be a JSON object"),
    Case(
      name: "an oldObject that is a number", body: Reviews.body(object: object, oldObject: "3"),
      message: "request.oldObject must be a JSON object"),
    Case(
      name: "an escape in the kind",
      body: "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"A\\u001b[2J\"}",
      message: "kind must be AdmissionReview, not \"A\\x1B[2J\""),
  ]

  @Test("Bad bodies get 400 and a Status saying why", arguments: cases)
  func badBody(_ example: Case) throws {
    let answer = try Reviews.reviewer().review(Array(example.body.utf8))
    #expect(answer.status == 400)
    #expect(answer.decision == nil)
    let status = try #require(
      try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
    #expect(status["kind"] as? String == "Status")
    #expect(status["code"] as? Int == 400)
    #expect(status["reason"] as? String == "BadRequest")
    let message = try #require(status["message"] as? String)
    #expect(message.contains(example.message), "\(message)")
  }

  @Test func jsonThatIsValidIsAccepted() {
    for text in [
      "{}", "[]", "0", "-0.5e+10", "\"\\u00e9\\n\\\"\\/\"",
      "{\"a\": [1, true, false, null, {\"b\": \"c\"}]}",
      " \t\r\n{ \"a\" : 1 } \n", "\"é 日本\"",
    ] {
      let problem = Array(text.utf8).withUnsafeBufferPointer { JSONSyntax.problem(in: $0) }
      #expect(problem == nil, "\(text): \(String(describing: problem))")
    }
    for text in [
      "{\"a\" 1}", "[1,]", "{\"a\":1,}", "tru", "1.", "-", "\"\\u12\"", "{\"a\":1", "'a'",
    ] {
      let problem = Array(text.utf8).withUnsafeBufferPointer { JSONSyntax.problem(in: $0) }
      #expect(problem != nil, "\(text)")
    }
  }

  /// JSON the API server may send that YAML does not read as JSON means it is rewritten
  /// before it is read: a key past YAML's 1 024 characters for an implicit key (managedFields
  /// name a Deployment's long env vars in keys) got 400, which `failurePolicy: Ignore` admits
  /// unchecked; and an escaped UTF-16 surrogate pair is the character it makes (a lone one,
  /// U+FFFD, as Go decodes it).
  @Test func longKeysAndSurrogateEscapesAreRead() throws {
    let long = String(repeating: "k", count: 1_100)
    let annotations =
      "{\"\(long)\": \"\\ud83d\\ude00\", \"lone\": \"\\ud800x\", \"plain\": \"\\u00e9\"}"
    let body = Reviews.body(object: Reviews.deployment(annotations: annotations))
    let review = try Array(body.utf8).withUnsafeBufferPointer { bytes throws(BadReview) in
      try AdmissionReviewRequest.decode(bytes)
    }
    let read = try #require(review.object?["metadata"]?["annotations"])
    #expect(read[long]?.string == "😀")
    #expect(read["lone"]?.string == "\u{FFFD}x")
    #expect(read["plain"]?.string == "é")
  }
}

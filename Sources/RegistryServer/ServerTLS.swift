import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import RegistryDomain

/// The certificate and key `mscreg serve` answers HTTPS with (`--tls-certificate`,
/// `--tls-key`): PEM files, the certificate file holding the chain (leaf first).
public struct ServerTLS: Sendable {
  /// The certificate chain's PEM file.
  public var certificateFile: String
  /// The private key's PEM file (not encrypted).
  public var keyFile: String

  /// The files.
  public init(certificateFile: String, keyFile: String) {
    self.certificateFile = certificateFile
    self.keyFile = keyFile
  }

  /// The server's TLS configuration (TLS 1.2 and later, swift-nio-ssl's defaults otherwise);
  /// a file that cannot be read or parsed is `.refused` naming its option, before the server
  /// listens.
  func configuration() throws -> TLSConfiguration {
    let chain: [NIOSSLCertificate]
    do {
      chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
    } catch {
      throw RegistryError.refused(
        "tls_certificate", "\(certificateFile) is not a readable PEM certificate file")
    }
    guard !chain.isEmpty else {
      throw RegistryError.refused(
        "tls_certificate", "\(certificateFile) holds no PEM certificate")
    }
    let key: NIOSSLPrivateKey
    do {
      key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
    } catch {
      throw RegistryError.refused(
        "tls_key", "\(keyFile) is not a readable, unencrypted PEM private key file")
    }
    var tls = TLSConfiguration.makeServerConfiguration(
      certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    tls.minimumTLSVersion = .tlsv12
    return tls
  }

  /// The server builder: HTTP/1.1 inside TLS.
  func serverBuilder() throws -> HTTPServerBuilder {
    try .tls(.http1(), tlsConfiguration: configuration())
  }
}

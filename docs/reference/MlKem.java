import org.bouncycastle.crypto.params.*;
import org.bouncycastle.crypto.kems.*;
import java.util.HexFormat;
import java.io.*;
/**
 * The one step of docs/reference/open_envelope.py that Python's cryptography package lacks:
 * ML-KEM-768 (FIPS 203) from Bouncy Castle. Not part of the build.
 *
 * <p>Reads lines "pk D_Z_HEX", "decaps D_Z_HEX CT_HEX" or "encaps PK_HEX" on stdin and answers one
 * line each: the public key, the shared secret, or "CT_HEX SS_HEX".
 */
// Reads lines "pk <d||z hex>" or "decaps <d||z hex> <ct hex>" on stdin, answers one hex line each.
public class MlKem {
  public static void main(String[] a) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    HexFormat h = HexFormat.of();
    for (String line; (line = in.readLine()) != null; ) {
      String[] p = line.trim().split(" ");
      if (p[0].equals("encaps")) {
        org.bouncycastle.crypto.SecretWithEncapsulation e = new MLKEMGenerator(new java.security.SecureRandom())
            .generateEncapsulated(new MLKEMPublicKeyParameters(MLKEMParameters.ml_kem_768, h.parseHex(p[1])));
        System.out.println(h.formatHex(e.getEncapsulation()) + " " + h.formatHex(e.getSecret()));
        System.out.flush();
        continue;
      }
      MLKEMPrivateKeyParameters sk = new MLKEMPrivateKeyParameters(MLKEMParameters.ml_kem_768, h.parseHex(p[1]));
      if (p[0].equals("pk")) System.out.println(h.formatHex(sk.getPublicKey()));
      else System.out.println(h.formatHex(new MLKEMExtractor(sk).extractSecret(h.parseHex(p[2]))));
      System.out.flush();
    }
  }
}

package norc.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class BytesTest {

    @Test
    void hexRoundTripsAndIsLowercase() {
        byte[] data = {0x00, 0x7f, (byte) 0x80, (byte) 0xff, 0x0a};
        assertThat(Bytes.hex(data)).isEqualTo("007f80ff0a");
        assertThat(Bytes.unhex("007F80FF0A")).isEqualTo(data);
        assertThat(Bytes.unhex("")).isEmpty();
    }

    @Test
    void unhexRejectsOddLengthAndNonHex() {
        assertThatThrownBy(() -> Bytes.unhex("abc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Bytes.unhex("zz")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bigEndianWriters() {
        assertThat(Bytes.u16(0x0101)).isEqualTo(Bytes.unhex("0101"));
        assertThat(Bytes.u16(0xABCDEF)).isEqualTo(Bytes.unhex("cdef"));
        assertThat(Bytes.u32(0x01020304L)).isEqualTo(Bytes.unhex("01020304"));
        assertThat(Bytes.u32(0xFFFFFFFFL)).isEqualTo(Bytes.unhex("ffffffff"));
        assertThat(Bytes.u64(5)).isEqualTo(Bytes.unhex("0000000000000005"));
        assertThat(Bytes.u64(-1L)).isEqualTo(Bytes.unhex("ffffffffffffffff"));
        assertThat(Bytes.u64(0x0102030405060708L)).isEqualTo(Bytes.unhex("0102030405060708"));

        byte[] buf = new byte[14];
        int off = Bytes.putU16(buf, 0, 0x1234);
        off = Bytes.putU32(buf, off, 0x56789abcL);
        off = Bytes.putU64(buf, off, 0xdef0L);
        assertThat(off).isEqualTo(14);
        assertThat(Bytes.hex(buf)).isEqualTo("123456789abc000000000000def0");
    }

    @Test
    void uuidBytesAreTheSixteenRawBytes() {
        UUID id = UUID.fromString("4d3c2b1a-0908-4706-bfee-ddccbbaa9988");
        assertThat(Bytes.uuidBytes(id)).isEqualTo(Bytes.unhex("4d3c2b1a09084706bfeeddccbbaa9988"));
        byte[] buf = new byte[18];
        assertThat(Bytes.putUuid(buf, 1, id)).isEqualTo(17);
        assertThat(Bytes.hex(buf)).isEqualTo("004d3c2b1a09084706bfeeddccbbaa998800");
    }

    @Test
    void concatKeepsOrder() {
        assertThat(Bytes.concat(Bytes.unhex("01"), new byte[0], Bytes.unhex("0203"))).isEqualTo(Bytes.unhex("010203"));
        assertThat(Bytes.concat()).isEmpty();
    }

    @Test
    void isAllZero() {
        assertThat(Bytes.isAllZero(new byte[32])).isTrue();
        assertThat(Bytes.isAllZero(new byte[0])).isTrue();
        byte[] last = new byte[32];
        last[31] = (byte) 0x80;
        assertThat(Bytes.isAllZero(last)).isFalse();
        assertThat(Bytes.isAllZero(last, 0, 31)).isTrue();
        assertThat(Bytes.isAllZero(last, 1, 31)).isFalse();
    }
}

package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeliveryReceiptTest {
    @Test
    void theWireFormIsExactlyAsPROTOCOLmdSays() {
        String plain = DeliveryReceipt.encode(List.of("0f8e2c3a-1b2c-4d5e-8f90-123456789abc", "id_2"));
        assertThat(plain.getBytes(StandardCharsets.UTF_8))
                .isEqualTo("\u0000spartan/delivered/v1\n0f8e2c3a-1b2c-4d5e-8f90-123456789abc\nid_2"
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(DeliveryReceipt.decode(plain)).contains(List.of("0f8e2c3a-1b2c-4d5e-8f90-123456789abc", "id_2"));
        assertThat(DeliveryReceipt.isControl(plain)).isTrue();
    }

    @Test
    void theExampleInPROTOCOLmd() {
        String plain = DeliveryReceipt.encode(List.of("9b2f4c1e-7d3a-4e8b-a5c6-0d1e2f3a4b5c", "id_2"));
        assertThat(java.util.HexFormat.of().formatHex(plain.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("007370617274616e2f64656c6976657265642f76310a39623266346331652d376433612d346538622d61"
                        + "3563362d3064316532663361346235630a69645f32");
    }

    @Test
    void textIsNeverAReceiptAndMalformedReceiptsAreIgnored() {
        assertThat(DeliveryReceipt.isControl("spartan/delivered/v1\nabc")).isFalse();
        assertThat(DeliveryReceipt.isControl("")).isFalse();
        assertThat(DeliveryReceipt.decode("spartan/delivered/v1\nabc")).isEmpty();
        assertThat(DeliveryReceipt.decode("\u0000spartan/delivered/v1")).isEmpty(); // no ids
        assertThat(DeliveryReceipt.decode("\u0000spartan/delivered/v1\n")).isEmpty(); // an empty id
        assertThat(DeliveryReceipt.decode("\u0000spartan/delivered/v1\nabc\n")).isEmpty(); // trailing LF
        assertThat(DeliveryReceipt.decode("\u0000spartan/delivered/v1\nnot an id"))
                .isEmpty();
        assertThat(DeliveryReceipt.decode("\u0000spartan/delivered/v2\nabc")).isEmpty();
        // An unknown control message is still not text.
        assertThat(DeliveryReceipt.isControl("\u0000spartan/typing/v1")).isTrue();
        assertThat(DeliveryReceipt.decode("\u0000spartan/delivered/v1\n"
                        + String.join("\n", Collections.nCopies(DeliveryReceipt.MAX_IDS + 1, "x"))))
                .isEmpty();
    }

    @Test
    void encodingRefusesWhatDecodingWouldRefuse() {
        assertThatThrownBy(() -> DeliveryReceipt.encode(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeliveryReceipt.encode(List.of("a\nb"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeliveryReceipt.encode(Collections.nCopies(DeliveryReceipt.MAX_IDS + 1, "x")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

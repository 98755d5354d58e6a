package io.sluice.registry.client;

/** The payload's first byte is not the Confluent wire format's magic byte 0. */
public final class UnknownMagicByteException extends InvalidPayloadException {
    private static final long serialVersionUID = 1L;
    private final byte magicByte;

    public UnknownMagicByteException(byte magicByte) {
        super(Reason.UNKNOWN_MAGIC_BYTE, String.format("Unknown magic byte 0x%02x (expected 0x00 for the Confluent wire format)", magicByte & 0xff), null);
        this.magicByte = magicByte;
    }

    public byte magicByte() {
        return magicByte;
    }
}

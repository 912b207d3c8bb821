package norc.server.files.api;

import java.util.UUID;
import norc.server.contract.Contract;

/** A user's file quota's journal (sealed, pseudonymous persistence id). Times in epoch milliseconds. */
public sealed interface QuotaEvent extends Contract {

    record UploadReserved(UUID fileId, UUID device, long paddedBytes, long expiresAt) implements QuotaEvent {}

    record UploadSealed(UUID fileId, long expiresAt) implements QuotaEvent {}

    record UploadReleased(UUID fileId) implements QuotaEvent {}
}

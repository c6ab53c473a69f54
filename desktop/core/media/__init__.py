"""Media: fingerprints now; previews and video keyframes later. No Qt."""

"""Media: fingerprints, blurred previews, video storyboards and playback, where originals are. No Qt."""

package container

// VolumeNames are the names of the volumes c mounts (for system df).
func VolumeNames(c *Container) []string { return volumeNames(c) }

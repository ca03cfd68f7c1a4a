-- Groups join the configuration version: the group hierarchy (names, parents, superuser flags,
-- attributes) is cached in memory per version, so every authenticated request reads only the
-- user's own memberships instead of every group. Memberships (core_user_groups) are not watched.
{{GROUP_CONFIG_TRIGGERS}}

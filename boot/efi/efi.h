/*
 * The part of the UEFI interface MantraBoot uses, written from the UEFI
 * Specification 2.10.  Only the members we call are typed; the rest are
 * opaque pointers that keep the table layouts right.
 *
 * Built with clang --target=x86_64-unknown-windows, whose default calling
 * convention is the Microsoft x64 one UEFI requires, and -fshort-wchar so
 * that L"..." literals are CHAR16.
 */
#ifndef MANTRABOOT_EFI_H
#define MANTRABOOT_EFI_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t efi_status_t;
typedef void *efi_handle_t;
typedef uint16_t char16_t;
typedef uint64_t efi_phys_addr_t;

#define EFI_ERROR_BIT            (1ULL << 63)
#define EFI_SUCCESS              0ULL
#define EFI_LOAD_ERROR           (EFI_ERROR_BIT | 1)
#define EFI_INVALID_PARAMETER    (EFI_ERROR_BIT | 2)
#define EFI_UNSUPPORTED          (EFI_ERROR_BIT | 3)
#define EFI_BAD_BUFFER_SIZE      (EFI_ERROR_BIT | 4)
#define EFI_BUFFER_TOO_SMALL     (EFI_ERROR_BIT | 5)
#define EFI_OUT_OF_RESOURCES     (EFI_ERROR_BIT | 9)
#define EFI_NOT_FOUND            (EFI_ERROR_BIT | 14)
#define EFI_IS_ERROR(s)          (((s) & EFI_ERROR_BIT) != 0)

typedef struct {
	uint32_t data1;
	uint16_t data2;
	uint16_t data3;
	uint8_t data4[8];
} efi_guid_t;

typedef struct {
	uint64_t signature;
	uint32_t revision;
	uint32_t header_size;
	uint32_t crc32;
	uint32_t reserved;
} efi_table_header_t;

/* UEFI 2.10 section 7.2, EFI_MEMORY_TYPE. */
enum efi_memory_type {
	EFI_RESERVED_MEMORY = 0,
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BOOT_SERVICES_CODE = 3,
	EFI_BOOT_SERVICES_DATA = 4,
	EFI_RUNTIME_SERVICES_CODE = 5,
	EFI_RUNTIME_SERVICES_DATA = 6,
	EFI_CONVENTIONAL_MEMORY = 7,
	EFI_UNUSABLE_MEMORY = 8,
	EFI_ACPI_RECLAIM_MEMORY = 9,
	EFI_ACPI_MEMORY_NVS = 10,
	EFI_MEMORY_MAPPED_IO = 11,
	EFI_MEMORY_MAPPED_IO_PORT_SPACE = 12,
	EFI_PAL_CODE = 13,
	EFI_PERSISTENT_MEMORY = 14,
	/* 0x80000000..0xffffffff are the OS loader's own (section 7.2). */
	EFI_MANTRA_KERNEL = (int)0x80000000u,
	EFI_MANTRA_BOOT_DATA = (int)0x80000001u,
};

enum efi_allocate_type {
	EFI_ALLOCATE_ANY_PAGES = 0,
	EFI_ALLOCATE_MAX_ADDRESS = 1,
	EFI_ALLOCATE_ADDRESS = 2,
};

typedef struct {
	uint32_t type;
	uint32_t pad;
	efi_phys_addr_t physical_start;
	uint64_t virtual_start;
	uint64_t number_of_pages;
	uint64_t attribute;
} efi_memory_descriptor_t;

struct efi_simple_text_output;
typedef efi_status_t (*efi_text_string_t)(struct efi_simple_text_output *,
					  const char16_t *);

typedef struct efi_simple_text_output {
	void *reset;
	efi_text_string_t output_string;
	void *test_string;
	void *query_mode;
	void *set_mode;
	void *set_attribute;
	void *clear_screen;
	void *set_cursor_position;
	void *enable_cursor;
	void *mode;
} efi_simple_text_output_t;

typedef struct {
	efi_table_header_t hdr;
	void *raise_tpl;
	void *restore_tpl;
	efi_status_t (*allocate_pages)(uint32_t type, uint32_t memory_type,
				       uint64_t pages, efi_phys_addr_t *memory);
	efi_status_t (*free_pages)(efi_phys_addr_t memory, uint64_t pages);
	efi_status_t (*get_memory_map)(uint64_t *map_size,
				       efi_memory_descriptor_t *map,
				       uint64_t *map_key, uint64_t *desc_size,
				       uint32_t *desc_version);
	efi_status_t (*allocate_pool)(uint32_t pool_type, uint64_t size,
				      void **buffer);
	efi_status_t (*free_pool)(void *buffer);
	void *create_event;
	void *set_timer;
	void *wait_for_event;
	void *signal_event;
	void *close_event;
	void *check_event;
	void *install_protocol_interface;
	void *reinstall_protocol_interface;
	void *uninstall_protocol_interface;
	efi_status_t (*handle_protocol)(efi_handle_t handle,
					const efi_guid_t *protocol,
					void **interface);
	void *reserved;
	void *register_protocol_notify;
	void *locate_handle;
	void *locate_device_path;
	void *install_configuration_table;
	void *load_image;
	void *start_image;
	void *exit;
	void *unload_image;
	efi_status_t (*exit_boot_services)(efi_handle_t image, uint64_t map_key);
	void *get_next_monotonic_count;
	efi_status_t (*stall)(uint64_t microseconds);
	efi_status_t (*set_watchdog_timer)(uint64_t timeout, uint64_t code,
					   uint64_t data_size,
					   const char16_t *data);
	void *connect_controller;
	void *disconnect_controller;
	void *open_protocol;
	void *close_protocol;
	void *open_protocol_information;
	void *protocols_per_handle;
	void *locate_handle_buffer;
	efi_status_t (*locate_protocol)(const efi_guid_t *protocol,
					void *registration, void **interface);
	/* ... further members unused */
} efi_boot_services_t;

typedef struct {
	efi_guid_t vendor_guid;
	void *vendor_table;
} efi_configuration_table_t;

typedef struct {
	efi_table_header_t hdr;
	char16_t *firmware_vendor;
	uint32_t firmware_revision;
	efi_handle_t console_in_handle;
	void *con_in;
	efi_handle_t console_out_handle;
	efi_simple_text_output_t *con_out;
	efi_handle_t standard_error_handle;
	efi_simple_text_output_t *std_err;
	void *runtime_services;
	efi_boot_services_t *boot_services;
	uint64_t number_of_table_entries;
	efi_configuration_table_t *configuration_table;
} efi_system_table_t;

/* Section 9.1, EFI_LOADED_IMAGE_PROTOCOL. */
typedef struct {
	uint32_t revision;
	efi_handle_t parent_handle;
	efi_system_table_t *system_table;
	efi_handle_t device_handle;
	void *file_path;
	void *reserved;
	uint32_t load_options_size;
	void *load_options;
	void *image_base;
	uint64_t image_size;
	uint32_t image_code_type;
	uint32_t image_data_type;
	void *unload;
} efi_loaded_image_t;

/* Section 13.5, EFI_FILE_PROTOCOL. */
#define EFI_FILE_MODE_READ 0x1ULL

typedef struct efi_file efi_file_t;
struct efi_file {
	uint64_t revision;
	efi_status_t (*open)(efi_file_t *self, efi_file_t **new_handle,
			     const char16_t *name, uint64_t mode,
			     uint64_t attributes);
	efi_status_t (*close)(efi_file_t *self);
	void *delete_file;
	efi_status_t (*read)(efi_file_t *self, uint64_t *size, void *buffer);
	void *write;
	efi_status_t (*get_position)(efi_file_t *self, uint64_t *position);
	efi_status_t (*set_position)(efi_file_t *self, uint64_t position);
	void *get_info;
	void *set_info;
	void *flush;
};

/* Section 13.4, EFI_SIMPLE_FILE_SYSTEM_PROTOCOL. */
typedef struct efi_simple_file_system efi_simple_file_system_t;
struct efi_simple_file_system {
	uint64_t revision;
	efi_status_t (*open_volume)(efi_simple_file_system_t *self,
				    efi_file_t **root);
};

/* Section 12.9, EFI_GRAPHICS_OUTPUT_PROTOCOL. */
enum efi_gop_pixel_format {
	EFI_GOP_RGBX8 = 0,
	EFI_GOP_BGRX8 = 1,
	EFI_GOP_BITMASK = 2,
	EFI_GOP_BLT_ONLY = 3,
};

typedef struct {
	uint32_t version;
	uint32_t horizontal_resolution;
	uint32_t vertical_resolution;
	uint32_t pixel_format;
	uint32_t pixel_mask[4];
	uint32_t pixels_per_scan_line;
} efi_gop_mode_info_t;

typedef struct {
	uint32_t max_mode;
	uint32_t mode;
	efi_gop_mode_info_t *info;
	uint64_t size_of_info;
	efi_phys_addr_t frame_buffer_base;
	uint64_t frame_buffer_size;
} efi_gop_mode_t;

typedef struct {
	void *query_mode;
	void *set_mode;
	void *blt;
	efi_gop_mode_t *mode;
} efi_gop_t;

#define EFI_LOADED_IMAGE_PROTOCOL_GUID \
	{ 0x5b1b31a1, 0x9562, 0x11d2, { 0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }
#define EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID \
	{ 0x964e5b22, 0x6459, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }
#define EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID \
	{ 0x9042a9de, 0x23dc, 0x4a38, { 0x96, 0xfb, 0x7a, 0xde, 0xd0, 0x80, 0x51, 0x6a } }
#define EFI_ACPI_20_TABLE_GUID \
	{ 0x8868e871, 0xe4f1, 0x11d3, { 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } }
#define EFI_ACPI_10_TABLE_GUID \
	{ 0xeb9d2d30, 0x2d88, 0x11d3, { 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } }

_Static_assert(sizeof(efi_guid_t) == 16, "EFI_GUID");
_Static_assert(sizeof(efi_memory_descriptor_t) == 40, "EFI_MEMORY_DESCRIPTOR");
_Static_assert(__builtin_offsetof(efi_boot_services_t, exit_boot_services) == 24 + 26 * 8,
	       "EFI_BOOT_SERVICES.ExitBootServices");
_Static_assert(__builtin_offsetof(efi_boot_services_t, locate_protocol) == 24 + 37 * 8,
	       "EFI_BOOT_SERVICES.LocateProtocol");
_Static_assert(__builtin_offsetof(efi_system_table_t, boot_services) == 96,
	       "EFI_SYSTEM_TABLE.BootServices");

#endif /* MANTRABOOT_EFI_H */
